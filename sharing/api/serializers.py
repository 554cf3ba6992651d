"""Input and output shapes of the sharing API. Serializers validate and render; they never write."""

from django.urls import reverse
from rest_framework import serializers

from kosha.datetimes import AwareDateTimeField
from kosha.integers import INT_MAX, JsonIntegerField
from kosha.json_fields import JsonBooleanField, JsonTextField
from sharing.access import link_is_live
from sharing.link_tokens import token_open
from sharing.models import Share, ShareLink
from sharing.services import MAX_PASSWORD_LENGTH


class ItemRefOutput(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    id = serializers.UUIDField(source="pk")
    name = serializers.CharField()

    def get_kind(self, item) -> str:
        return "file" if hasattr(item, "size_bytes") else "folder"


class ShareCreateInput(serializers.Serializer):
    # Loose types here, strict rules in the service.
    file = serializers.JSONField(required=False, allow_null=True)
    folder = serializers.JSONField(required=False, allow_null=True)
    email = serializers.JSONField()
    role = serializers.JSONField(required=False, default=Share.Role.VIEWER)


class ShareUpdateInput(serializers.Serializer):
    role = serializers.JSONField()


class ShareOutput(serializers.ModelSerializer):
    item = ItemRefOutput()
    grantee = serializers.EmailField(source="grantee_email")

    class Meta:
        model = Share
        fields = ["id", "item", "grantee", "role", "created_at"]


class SharedWithMeOutput(serializers.ModelSerializer):
    item = ItemRefOutput()
    owner = serializers.EmailField(source="owner.email")
    shared_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Share
        fields = ["id", "item", "owner", "role", "shared_at"]


_EXPIRY_HELP = (
    "RFC 3339 date-time with a time zone, e.g. 2026-12-01T23:59:59+01:00. A date alone, a time without a zone,"
    " a past instant or one beyond the plan's max_share_days is a 400 (never shortened). Null or absent: the default."
)


class ShareLinkUpdateInput(serializers.Serializer):
    # Loose here, strict in the service (text of at most LINK_NAME_MAX_LENGTH, trimmed).
    name = serializers.JSONField(required=False, allow_null=True, help_text="Your own label. Null: none.")
    expires_at = AwareDateTimeField(required=False, allow_null=True, help_text=_EXPIRY_HELP)
    password = JsonTextField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False, max_length=MAX_PASSWORD_LENGTH
    )
    max_downloads = JsonIntegerField(
        required=False, allow_null=True, min_value=1, max_value=INT_MAX, help_text="Null: no limit."
    )


class ShareLinkCreateInput(ShareLinkUpdateInput):
    file = serializers.UUIDField(required=False, allow_null=True, help_text="Exactly one of file or folder.")
    folder = serializers.UUIDField(required=False, allow_null=True)
    is_drop = JsonBooleanField(required=False, default=False, help_text="A folder that visitors upload into.")


class ShareLinkOutput(serializers.ModelSerializer):
    item = ItemRefOutput()
    has_password = serializers.BooleanField()
    is_live = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(
        help_text="The link's address, to copy again at any time; null for a link whose token cannot be opened."
    )

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "name",
            "item",
            "expires_at",
            "has_password",
            "max_downloads",
            "download_count",
            "is_drop",
            "is_live",
            "url",
            "revoked_at",
            "created_at",
        ]

    def get_is_live(self, link) -> bool:
        return link_is_live(link)

    def get_url(self, link) -> str | None:
        token = token_open(link.token_sealed)
        if token is None:
            return None
        path = reverse("sharing:link", args=[token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ShareLinkCreatedOutput(ShareLinkOutput):
    token = serializers.CharField()

    class Meta(ShareLinkOutput.Meta):
        fields = [*ShareLinkOutput.Meta.fields, "token"]
