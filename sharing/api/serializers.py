"""Input and output shapes of the sharing API. Serializers validate and render; they never write."""

from rest_framework import serializers

from sharing.access import link_is_live
from sharing.models import Share, ShareLink


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
    grantee = serializers.EmailField(source="grantee.email")

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


class ShareLinkCreateInput(serializers.Serializer):
    file = serializers.JSONField(required=False, allow_null=True)
    folder = serializers.JSONField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    password = serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)
    max_downloads = serializers.JSONField(required=False, allow_null=True)
    is_drop = serializers.JSONField(required=False, default=False)


class ShareLinkUpdateInput(serializers.Serializer):
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    password = serializers.CharField(required=False, allow_null=True, allow_blank=True, trim_whitespace=False)
    max_downloads = serializers.JSONField(required=False, allow_null=True)


class ShareLinkOutput(serializers.ModelSerializer):
    item = ItemRefOutput()
    has_password = serializers.BooleanField()
    is_live = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "item",
            "expires_at",
            "has_password",
            "max_downloads",
            "download_count",
            "is_drop",
            "is_live",
            "revoked_at",
            "created_at",
        ]

    def get_is_live(self, link) -> bool:
        return link_is_live(link)


class ShareLinkCreatedOutput(ShareLinkOutput):
    # The token and its URL exist only in this answer: the database keeps a hash.
    token = serializers.CharField()
    url = serializers.CharField()

    class Meta(ShareLinkOutput.Meta):
        fields = [*ShareLinkOutput.Meta.fields, "token", "url"]
