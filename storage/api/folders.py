"""The folders API: create, show, rename/move, trash, and the paginated listing."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activity.models import ActivityEvent
from activity.recording import activity_from_request
from kosha.sentinels import UNCHANGED
from storage.listing import DEFAULT_LIMIT, MAX_LIMIT, SORT_CHOICES, folder_items_list_for_user
from storage.models import Folder
from storage.selectors import folder_get_for_user
from storage.services.folders import folder_create, folder_update
from storage.services.trash import folder_trash


class FolderCreateInput(serializers.Serializer):
    # Loose types here, strict rules in the service (which the pages share).
    name = serializers.JSONField(allow_null=True)
    parent = serializers.JSONField(required=False, allow_null=True)


class FolderUpdateInput(serializers.Serializer):
    name = serializers.JSONField(required=False, allow_null=True)
    parent = serializers.JSONField(required=False, allow_null=True)


class FolderOutput(serializers.ModelSerializer):
    parent = serializers.UUIDField(source="parent_id", allow_null=True)

    class Meta:
        model = Folder
        fields = ["id", "name", "parent", "created_at", "updated_at"]


class ListingItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["folder", "file"])
    id = serializers.UUIDField()
    name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    content_type = serializers.CharField(allow_null=True)
    modified = serializers.DateTimeField()
    version_count = serializers.IntegerField(allow_null=True)
    thumbnail_url = serializers.CharField(allow_null=True)
    shared = serializers.BooleanField()


class BreadcrumbOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ListingOutput(serializers.Serializer):
    items = ListingItemOutput(many=True)
    next = serializers.CharField(source="next_cursor", allow_null=True)
    breadcrumbs = BreadcrumbOutput(many=True)


class FolderViewSet(viewsets.ViewSet):
    # Any segment reaches the service, which answers 404 for a malformed id; "root" is
    # meaningful for the listing.
    lookup_value_regex = "[^/]+"

    @extend_schema(request=FolderCreateInput, responses={201: FolderOutput})
    def create(self, request):
        data = FolderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        folder = folder_create(
            user=request.user, name=data.validated_data.get("name"), parent_id=data.validated_data.get("parent")
        )
        return Response(FolderOutput(folder).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FolderOutput)
    def retrieve(self, request, pk=None):
        return Response(FolderOutput(folder_get_for_user(user=request.user, folder_id=pk)).data)

    @extend_schema(request=FolderUpdateInput, responses=FolderOutput)
    def partial_update(self, request, pk=None):
        data = FolderUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        payload = data.validated_data
        folder = folder_update(
            user=request.user,
            folder_id=pk,
            name=payload["name"] if "name" in payload else UNCHANGED,
            parent_id=payload["parent"] if "parent" in payload else UNCHANGED,
        )
        return Response(FolderOutput(folder).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        folder = folder_trash(user=request.user, folder_id=pk)
        activity_from_request(request, kind=ActivityEvent.Kind.TRASH, item=folder)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("sort", OpenApiTypes.STR, enum=SORT_CHOICES, description="Default: name"),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next` of the previous page"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"Default {DEFAULT_LIMIT}, at most {MAX_LIMIT}"),
        ],
        responses=ListingOutput,
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        page = folder_items_list_for_user(
            user=request.user,
            folder_id=pk,
            sort=request.query_params.get("sort"),
            cursor=request.query_params.get("cursor"),
            limit=request.query_params.get("limit"),
        )
        _mark_shared(page, owner=request.user)
        return Response(ListingOutput(page).data)


def _mark_shared(page, *, owner) -> None:
    """Set each item's `shared` flag with one query (sharing sits above storage, so the
    interface asks it, not the storage selector)."""
    from sharing.selectors import shared_ids_among

    items = page.items if hasattr(page, "items") else page["items"]
    if not items:
        return
    shared = shared_ids_among(
        owner=owner,
        file_ids=[item["id"] for item in items if item["kind"] == "file"],
        folder_ids=[item["id"] for item in items if item["kind"] == "folder"],
    )
    for item in items:
        item["shared"] = item["id"] in shared
