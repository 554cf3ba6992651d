"""The trash API: list trash roots, restore one, delete one forever, empty the trash.

Whose trash (sharing.access.trash_item_for_actor): yours lists everything trashed in your
space, by anyone, and what you trashed in folders shared with you as long as you may still
edit them; you restore those, their owner alone deletes them forever."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kosha.errors import NotFound
from kosha.json_fields import body_refuse_any
from kosha.origin import Origin
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, Page, limit_clean, page_parameters, page_response, page_schema
from sharing.access import Need, trash_item_for_actor, trashed_item_for_actor
from sharing.selectors import trash_list_for_actor
from storage.api.folders import ListingOutput, listing_json
from storage.listing import folder_items_list_for_user
from storage.models import Folder
from storage.services.trash import trash_delete, trash_empty, trash_restore, trash_restore_inside


class TrashItemOutput(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    kind = serializers.ChoiceField(choices=["folder", "file"])
    name = serializers.CharField()
    size = serializers.IntegerField(
        source="size_bytes", help_text="A file's size; for a folder, the sum of the files trashed with it."
    )
    deleted_at = serializers.DateTimeField()
    purge_at = serializers.DateTimeField(help_text="When it is deleted forever (deleted_at + the plan's trash_days).")
    folder = serializers.UUIDField(allow_null=True, help_text="The folder it was in (null: the root).")
    folder_name = serializers.CharField(allow_null=True)
    folder_is_trashed = serializers.BooleanField(
        help_text="The original folder is in the trash too (or gone): a restore puts the item in the root."
    )
    owner = serializers.EmailField(help_text="Whose space it is in.")
    trashed_by = serializers.EmailField(allow_null=True, help_text="Who moved it to the trash.")
    can_delete = serializers.BooleanField(help_text="Whether you may delete it forever (its owner only).")


def _trash_item(item, *, actor) -> dict:
    is_folder = isinstance(item, Folder)
    parent = item.parent if is_folder else item.folder
    trash_days = item.owner.usage.plan.trash_days
    return {
        "pk": item.pk,
        "kind": "folder" if is_folder else "file",
        "name": item.name,
        "size_bytes": item.size_bytes,
        "deleted_at": item.deleted_at,
        "purge_at": item.deleted_at + timedelta(days=trash_days),
        "folder": parent.pk if parent is not None else None,
        "folder_name": parent.name if parent is not None else None,
        "folder_is_trashed": parent is not None and parent.deleted_at is not None,
        "owner": item.owner.email,
        "trashed_by": item.trashed_by.email if item.trashed_by is not None else None,
        "can_delete": item.owner_id == actor.pk,
    }


RestoredOutput = inline_serializer(
    "TrashRestored",
    {
        "id": serializers.UUIDField(),
        "kind": serializers.ChoiceField(choices=["folder", "file"]),
        "name": serializers.CharField(help_text='May be "name (restored)" if the name was taken.'),
        "folder": serializers.UUIDField(allow_null=True, help_text="Where it was restored (null: the root)."),
    },
)

PurgedOutput = inline_serializer(
    "TrashEmptied",
    {
        "items": serializers.IntegerField(help_text="Trash roots deleted forever."),
        "files": serializers.IntegerField(),
        "size": serializers.IntegerField(help_text="Bytes freed, every version counted."),
    },
)


class TrashViewSet(viewsets.ViewSet):
    """Trashed items still count in your usage until deleted forever or purged after the
    plan's trash_days."""

    lookup_value_regex = "[^/]+"

    @extend_schema(
        summary="Your trash, newest first",
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("TrashPage", TrashItemOutput(many=True)),
        tags=["trash"],
    )
    def list(self, request):
        limit = limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        page = trash_list_for_actor(actor=request.user, cursor=request.query_params.get("cursor"), limit=limit)
        items = [_trash_item(item, actor=request.user) for item in page.items]
        return Response(page_response(Page(items=items, next_cursor=page.next_cursor), TrashItemOutput))

    @extend_schema(
        summary="Restore a trashed item",
        description=(
            "Restores exactly what was trashed together with this item, where it was. If a "
            'live item there has the same name it comes back as "name (restored)", then '
            '"name (restored 2)". If its original folder is itself in the trash or was '
            "deleted forever, it is restored to the root.\n\n"
            "The id may also be a file or folder inside a trashed folder (from its `items`): "
            "that one comes back alone (a folder with what was trashed with it), into the folder "
            "the trashed folder was in (the folders between are in the trash), else the root; "
            "the rest stays in the trash."
        ),
        request=None,
        responses={200: RestoredOutput},
        tags=["trash"],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        body_refuse_any(request)
        picked, root = trashed_item_for_actor(actor=request.user, item_id=pk, need=Need.EDIT)
        if picked is root:
            item = trash_restore(actor=request.user, item=root, origin=Origin.of_api(request))
        else:
            item = trash_restore_inside(actor=request.user, item=picked, root=root, origin=Origin.of_api(request))
        is_folder = isinstance(item, Folder)
        folder = item.parent_id if is_folder else item.folder_id
        return Response({"id": item.pk, "kind": "folder" if is_folder else "file", "name": item.name, "folder": folder})

    @extend_schema(
        summary="What a trashed folder holds",
        description="The files and folders trashed with this folder (a trash root or a folder "
        "inside one), folders first, by name; breadcrumbs from the top of its owner's space. "
        "Restore one of them with its id.",
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=ListingOutput,
        tags=["trash"],
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        folder, root = trashed_item_for_actor(actor=request.user, item_id=pk, need=Need.EDIT)
        if not isinstance(folder, Folder):
            raise NotFound("Not a folder.", resource="folder")
        page = folder_items_list_for_user(
            user=folder.owner,
            folder_id=folder.pk,
            cursor=request.query_params.get("cursor"),
            limit=request.query_params.get("limit"),
            trash_batch=root.trash_batch,
        )
        crumbs = [crumb for crumb in page.breadcrumbs]
        ids = [crumb.id for crumb in crumbs]
        crumbs = crumbs[ids.index(root.pk) :] if root.pk in ids else crumbs[-1:]
        return Response(
            listing_json(
                items=page.items,
                next_cursor=page.next_cursor,
                breadcrumbs=crumbs,
                role=root.grant.role.label,
                owner=folder.owner.email,
            )
        )

    @extend_schema(
        summary="Delete a trashed item forever",
        description="Its stored bytes (every version) are deleted and no longer count in your usage.",
        responses={204: None},
        tags=["trash"],
    )
    def destroy(self, request, pk=None):
        body_refuse_any(request)
        root = trash_item_for_actor(actor=request.user, item_id=pk, need=Need.OWN)
        trash_delete(actor=request.user, item=root, origin=Origin.of_api(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Empty the trash",
        description="Deletes forever everything trashed in your space (not what you trashed in others').",
        request=None,
        responses={200: PurgedOutput},
        tags=["trash"],
    )
    @action(detail=False, methods=["post"])
    def empty(self, request):
        body_refuse_any(request)
        purged = trash_empty(actor=request.user, origin=Origin.of_api(request))
        return Response({"items": purged.batches, "files": purged.files, "size": purged.size_bytes})
