from rest_framework import serializers

from accounts.models import ApiToken


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=ApiToken._meta.get_field("name").max_length)


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    """A token as listed: never the secret or its hash."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenOutputSerializer):
    """The answer to a create: the listing fields plus the key, shown this once."""

    key = serializers.CharField(read_only=True, help_text="The full token. Store it now: it is never shown again.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "key"]
        read_only_fields = fields
