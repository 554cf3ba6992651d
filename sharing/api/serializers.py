"""Input and output shapes of the sharing API. Serializers validate and render; they never write."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kosha.datetimes import AwareDateTimeField
from kosha.integers import INT_MAX, JsonIntegerField, column_integer_field
from kosha.json_fields import (
    JsonBooleanField,
    JsonChoiceField,
    JsonEmailField,
    JsonInput,
    JsonTextField,
    JsonUuidField,
)
from kosha.schema.bodies import one_of_present
from sharing.access import LinkState, link_state
from sharing.link_tokens import token_open
from sharing.models import LINK_NAME_MAX_LENGTH, Share, ShareLink
from sharing.services.links import MAX_PASSWORD_LENGTH


class ItemRefOutput(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    id = serializers.UUIDField(source="pk")
    name = serializers.CharField()

    def get_kind(self, item) -> str:
        return "file" if hasattr(item, "size_bytes") else "folder"


class ShareCreateInput(JsonInput):
    schema_rules = one_of_present("file", "folder")

    file = JsonUuidField(required=False, allow_null=True, help_text="Exactly one of file or folder.")
    folder = JsonUuidField(required=False, allow_null=True)
    email = JsonEmailField(help_text="The person's e-mail address.")
    role = JsonChoiceField(choices=Share.Role.choices, required=False, default=Share.Role.VIEWER)


class ShareUpdateInput(JsonInput):
    schema_rules = {"required": ["role"]}  # a PATCH, but of the one field there is

    role = JsonChoiceField(choices=Share.Role.choices)


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


class ShareLinkUpdateInput(JsonInput):
    """A PATCH changes only the fields it gives; the service checks them against the plan."""

    name = JsonTextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=LINK_NAME_MAX_LENGTH,
        help_text="Your own label, trimmed. Null or empty: none.",
    )
    expires_at = AwareDateTimeField(required=False, allow_null=True, help_text=_EXPIRY_HELP)
    password = JsonTextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_PASSWORD_LENGTH,
        help_text="Sets or changes the password. Null or empty: no password. Absent: unchanged.",
    )
    max_downloads = JsonIntegerField(
        required=False, allow_null=True, min_value=1, max_value=INT_MAX, help_text="Null: no limit."
    )


class ShareLinkCreateInput(ShareLinkUpdateInput):
    schema_rules = one_of_present("file", "folder")

    file = JsonUuidField(required=False, allow_null=True, help_text="Exactly one of file or folder.")
    folder = JsonUuidField(required=False, allow_null=True)
    is_drop = JsonBooleanField(required=False, default=False, help_text="A folder that visitors upload into.")


class ShareLinkOutput(serializers.ModelSerializer):
    item = ItemRefOutput()
    max_downloads = column_integer_field(ShareLink, "max_downloads")
    download_count = column_integer_field(ShareLink, "download_count")
    has_password = serializers.BooleanField()
    is_live = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField(
        help_text="Whether the link opens now, or why not: live, revoked, expired, limit_reached, in_trash."
    )
    state_label = serializers.SerializerMethodField(help_text="The state as people read it.")
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
            "state",
            "state_label",
            "url",
            "revoked_at",
            "created_at",
        ]

    def _state(self, link) -> LinkState:
        # One state per link and response: the three fields never disagree.
        if getattr(link, "link_state", None) is None:
            link.link_state = link_state(link)
        return link.link_state

    def get_is_live(self, link) -> bool:
        return self._state(link) is LinkState.LIVE

    @extend_schema_field(serializers.ChoiceField(choices=[state.value for state in LinkState]))
    def get_state(self, link) -> str:
        return self._state(link).value

    def get_state_label(self, link) -> str:
        return self._state(link).label

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
