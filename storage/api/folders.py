"""The folders API: create, show, rename/move, trash, and the paginated listing, for
owners and collaborators alike (sharing.access decides; a folder shared with you has
the same URL as for its owner)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kosha.json_fields import body_refuse_any
from kosha.origin import Origin
from kosha.pages import page_parameters
from sharing.access import Need, folder_for_actor, is_root, place_for_actor
from sharing.selectors import folder_items_for_grant, shared_ids_in_folder
from storage.api.destinations import copy_destination, move_changes
from storage.api.fields import FolderCopyInput, FolderCreateInput, FolderUpdateInput, input_clean
from storage.api.times import times_json
from storage.listing import DEFAULT_LIMIT, MAX_LIMIT, SORT_CHOICES
from storage.models import Folder
from storage.services.copies import folder_copy
from storage.services.folders import folder_create, folder_update
from storage.services.trash import folder_trash


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
    starred = serializers.BooleanField(help_text="Whether you starred it (your own mark, nobody else sees it).")


class BreadcrumbOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ListingOutput(serializers.Serializer):
    items = ListingItemOutput(many=True)
    next = serializers.CharField(source="next_cursor", allow_null=True)
    breadcrumbs = BreadcrumbOutput(
        many=True,
        help_text="From the top of what you may see: a shared folder's owner's folders above it are left out.",
    )
    role = serializers.ChoiceField(choices=["owner", "editor", "viewer"], help_text="What you may do here.")
    owner = serializers.EmailField(help_text="Whose space this folder is in.")


def listing_json(*, items: list[dict], next_cursor: str | None, breadcrumbs: list, role: str, owner: str) -> dict:
    """ListingOutput's JSON, built from the listing's plain values: field for field what
    `ListingOutput({...}).data` gives (storage/tests/test_listing_json.py compares the
    two), without a DRF field call per value (ten per item)."""
    time_json = times_json()
    return {
        "items": [
            {
                "kind": item["kind"],
                "id": str(item["id"]),
                "name": item["name"],
                "size": item["size"],
                "content_type": item["content_type"],
                "modified": time_json(item["modified"]),
                "version_count": item["version_count"],
                "thumbnail_url": item["thumbnail_url"],
                "shared": item["shared"],
                "starred": item["starred"],
            }
            for item in items
        ],
        "next": next_cursor,
        "breadcrumbs": [{"id": str(crumb.id), "name": crumb.name} for crumb in breadcrumbs],
        "role": role,
        "owner": owner,
    }


def listing_body(page, *, folder: Folder | None, actor) -> dict:
    """The listing's answer: the page, and the caller's role and the owner (for the web
    app's actions and its "shared by" line)."""
    grant = folder.grant if folder is not None else None
    return listing_json(
        items=page.items,
        next_cursor=page.next_cursor,
        breadcrumbs=page.breadcrumbs,
        role=grant.role.label if grant else "owner",
        owner=folder.owner.email if folder is not None else actor.email,
    )


class FolderViewSet(viewsets.ViewSet):
    # Any segment reaches the access rule, which answers 404 for a malformed id; "root"
    # (the root of your own space) is meaningful for the listing.
    lookup_value_regex = "[^/]+"

    @extend_schema(request=FolderCreateInput, responses={201: FolderOutput})
    def create(self, request):
        data = input_clean(FolderCreateInput, request.data)
        place = place_for_actor(actor=request.user, folder_id=data.get("parent"), need=Need.EDIT, field="parent")
        folder = folder_create(actor=request.user, place=place, name=data.get("name"), origin=Origin.of_api(request))
        return Response(FolderOutput(folder).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FolderOutput)
    def retrieve(self, request, pk=None):
        return Response(FolderOutput(folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW)).data)

    @extend_schema(
        request=FolderUpdateInput,
        responses=FolderOutput,
        description="Rename and/or move. `parent` must be a folder of the same owner you may edit "
        "(null: the root of your own space): items stay in their owner's space.",
    )
    def partial_update(self, request, pk=None):
        payload = input_clean(FolderUpdateInput, request.data)
        folder = folder_for_actor(actor=request.user, folder_id=pk, need=Need.ARRANGE)
        folder = folder_update(
            actor=request.user,
            folder=folder,
            **move_changes(request, payload, field="parent"),
            origin=Origin.of_api(request),
        )
        return Response(FolderOutput(folder).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        body_refuse_any(request)
        folder = folder_for_actor(actor=request.user, folder_id=pk, need=Need.ARRANGE)
        folder_trash(actor=request.user, folder=folder, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=FolderCopyInput,
        responses={201: FolderOutput},
        description="Copies the folder with its subfolders and the current version of each file, "
        "inside the store, into any folder you may edit (yours or shared with you; null: the root of "
        "your space; absent: beside the source). You need view access to the source. The whole tree is "
        "checked against the destination owner's quota first (413, nothing copied); a taken name "
        'becomes "name (2)"; copying a folder into itself or below it is refused like such a move.',
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        payload = input_clean(FolderCopyInput, request.data)
        folder = folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW)
        place = copy_destination(request, payload, item=folder, field="parent")
        copied = folder_copy(
            actor=request.user, folder=folder, place=place, name=payload.get("name"), origin=Origin.of_api(request)
        )
        return Response(FolderOutput(copied).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("sort", OpenApiTypes.STR, enum=SORT_CHOICES, description="Default: name"),
            *page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        ],
        responses=ListingOutput,
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        folder = None if is_root(pk) else folder_for_actor(actor=request.user, folder_id=pk, need=Need.VIEW)
        page = folder_items_for_grant(
            actor=request.user,
            folder=folder,
            sort=request.query_params.get("sort"),
            cursor=request.query_params.get("cursor"),
            limit=request.query_params.get("limit"),
        )
        if folder is None or folder.grant.is_owner:
            mark_shared(page.items, owner=request.user, folder=folder)
        return Response(listing_body(page, folder=folder, actor=request.user))


def mark_shared(items: list[dict], *, owner, folder: Folder | None) -> None:
    """Set the `shared` flag of each of the owner's items listed from folder (None: the
    root) with one query. Only for the owner: who else an item is shared with is not a
    collaborator's business."""
    if not items:
        return
    shared = shared_ids_in_folder(owner=owner, folder_id=folder.pk if folder is not None else None)
    for item in items:
        item["shared"] = item["id"] in shared
