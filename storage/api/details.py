"""An item's details for the web app's details panel: `GET /api/v1/files/<id>/details/` and
`GET /api/v1/folders/<id>/details/`. Anyone who may view the item; who has access (people
and links) only for its owner, null for anyone else. Another person's item is a 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.presentation import EventView, event_view
from sharing.access import Need, file_for_actor, folder_for_actor
from storage.details import ItemDetails, item_details


class DetailsShareOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField(source="grantee.email")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class DetailsLinkOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    is_drop = serializers.BooleanField()
    has_password = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    download_count = serializers.IntegerField()
    max_downloads = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_has_password(self, link) -> bool:
        return bool(link.password_hash)


class DetailsEventOutput(serializers.Serializer):
    """An event as the activity page words it (activity.presentation)."""

    kind = serializers.CharField()
    label = serializers.SerializerMethodField(help_text="What happened, in words.")
    actor = serializers.SerializerMethodField(help_text="You, a person's name or e-mail, or Someone with the link.")
    at = serializers.DateTimeField()

    def _view(self, event) -> EventView:
        return event_view(event, viewer=self.context["viewer"])

    def get_label(self, event) -> str:
        return self._view(event).action

    def get_actor(self, event) -> str:
        return self._view(event).actor_name


class ItemDetailsOutput(serializers.Serializer):
    id = serializers.UUIDField(source="item.pk")
    kind = serializers.CharField()
    name = serializers.CharField(source="item.name")
    role = serializers.CharField()
    owner = serializers.EmailField(source="item.owner.email")
    content_type = serializers.SerializerMethodField()
    size = serializers.IntegerField(source="size_bytes")
    file_count = serializers.IntegerField(allow_null=True)
    version_count = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(source="item.created_at")
    modified = serializers.DateTimeField(source="item.updated_at")
    shares = DetailsShareOutput(many=True, allow_null=True)
    links = DetailsLinkOutput(many=True, allow_null=True)
    activity = DetailsEventOutput(many=True)

    def get_content_type(self, details: ItemDetails) -> str | None:
        return None if details.kind == "folder" else details.item.content_type


def _answer(request, item) -> Response:
    details = item_details(item=item)
    return Response(ItemDetailsOutput(details, context={"viewer": request.user}).data)


class FileDetailsView(APIView):
    @extend_schema(responses=ItemDetailsOutput)
    def get(self, request, pk):
        return _answer(request, file_for_actor(actor=request.user, file_id=pk, need=Need.VIEW))


class FolderDetailsView(APIView):
    @extend_schema(responses=ItemDetailsOutput)
    def get(self, request, pk):
        return _answer(request, folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW))
