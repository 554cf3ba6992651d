from rest_framework import serializers

from kosha.integers import column_integer_field
from notifications.models import Kind, Notification


class NotificationOutput(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    count = column_integer_field(Notification, "count")
    text = serializers.CharField(help_text="The notice in one sentence.")
    url = serializers.CharField(help_text="The page it is about (a path on this site).")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "count", "url", "created_at", "updated_at", "read"]

    def get_read(self, notice: Notification) -> bool:
        return notice.read_at is not None


class UnreadCountOutput(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notices were unread.")
