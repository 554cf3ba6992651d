from rest_framework import serializers

from accounts.models import ApiToken, AppPassword
from kosha.json_fields import JsonBooleanField, JsonInput, JsonTextField


class ApiTokenInputSerializer(JsonInput):
    name = JsonTextField(max_length=ApiToken._meta.get_field("name").max_length, help_text="Your label for it.")


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


class AppPasswordInputSerializer(JsonInput):
    name = JsonTextField(max_length=AppPassword._meta.get_field("name").max_length, help_text="Your label for it.")
    redirect_downloads = JsonBooleanField(
        default=False, help_text="GET answers 302 to the store's URL (for clients that follow redirects)."
    )


class AppPasswordOutputSerializer(serializers.ModelSerializer):
    """An app password as listed: never the secret or its hash."""

    class Meta:
        model = AppPassword
        fields = ["id", "name", "prefix", "redirect_downloads", "created_at", "last_used_at"]
        read_only_fields = fields


class AppPasswordCreatedSerializer(AppPasswordOutputSerializer):
    """The answer to a create: the listing fields plus the password, shown this once."""

    key = serializers.CharField(read_only=True, help_text="The app password. Store it now: it is never shown again.")

    class Meta(AppPasswordOutputSerializer.Meta):
        fields = [*AppPasswordOutputSerializer.Meta.fields, "key"]
        read_only_fields = fields
