"""The activity API's output: each event as the person asking reads it (activity.presentation)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from activity.presentation import ITEM_KINDS, ActorKind


class ActivityActorOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in ActorKind], source="actor_kind")
    name = serializers.CharField(source="actor_name", help_text="You, a person's name or e-mail, or who it was.")


class ActivityItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(ITEM_KINDS), source="item_kind")
    id = serializers.CharField(source="event.item_id")
    name = serializers.CharField(source="item_name", help_text="The name it had then (still there after deletion).")


class ActivityEventOutput(serializers.Serializer):
    id = serializers.IntegerField(source="event.pk")
    at = serializers.DateTimeField(source="event.at")
    kind = serializers.CharField(source="event.kind", help_text="A stable code, e.g. rename, upload_completed.")
    action = serializers.CharField(help_text="What happened, in words.")
    actor = ActivityActorOutput(source="*")
    item = serializers.SerializerMethodField()
    note = serializers.CharField(help_text="A detail in words (an old name, whom a share is with); may be empty.")
    via = serializers.CharField(source="event.via", help_text="The door: web, api, link, admin, task, dav.")
    ip_address = serializers.IPAddressField(source="event.ip_address", allow_null=True)

    @extend_schema_field(ActivityItemOutput(allow_null=True))
    def get_item(self, view) -> dict | None:
        """None for an account event (a sign-in)."""
        if not view.item_kind:
            return None
        return ActivityItemOutput(view).data
