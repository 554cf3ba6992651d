"""`GET /api/v1/search/`: names of the live files and folders you may see (yours and those
shared with you, each marked with its owner and your role), best match first."""

from django.utils.functional import lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.pages import page_parameters
from sharing.access import Need, folder_for_actor
from sharing.search import search_for_actor
from storage.search import MAX_QUERY_CHARS, MIN_QUERY_CHARS, SEARCH_TYPES
from storage.search.filters import query_pattern
from storage.search.query import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class SearchItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["file", "folder"])
    id = serializers.UUIDField()
    name = serializers.CharField()
    folder = serializers.SerializerMethodField(help_text="Containing folder of a file (null: the root).")
    parent = serializers.SerializerMethodField(help_text="Containing folder of a folder (null: the root).")
    path = serializers.ListField(
        child=serializers.CharField(),
        help_text="Names of the containing folders, top first (for a shared item, from the shared folder down).",
    )
    size = serializers.IntegerField(source="size_bytes", allow_null=True)
    content_type = serializers.CharField(allow_null=True)
    modified = serializers.DateTimeField()
    score = serializers.FloatField()
    owner = serializers.EmailField(source="owner.email", help_text="Whose space the item is in.")
    role = serializers.ChoiceField(choices=["owner", "editor", "viewer"], help_text="What you may do with it.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A file names its `folder`, a folder its `parent`, as everywhere else in the API.
        data.pop("parent" if instance.kind == "file" else "folder")
        return data

    def get_folder(self, item) -> str | None:
        return str(item.parent_id) if item.parent_id else None

    def get_parent(self, item) -> str | None:
        return str(item.parent_id) if item.parent_id else None


class SearchPageOutput(serializers.Serializer):
    items = SearchItemOutput(many=True)
    next = serializers.CharField(allow_null=True, source="next_cursor")


_SIZE = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}


class SearchView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=f"{MIN_QUERY_CHARS} to {MAX_QUERY_CHARS} characters, or one that is a word by itself (CJK)",
                pattern=lazy(query_pattern, str)(),  # built when a schema is, not at import
            ),
            OpenApiParameter("type", str, enum=list(SEARCH_TYPES)),
            OpenApiParameter("modified_after", OpenApiTypes.DATETIME),
            OpenApiParameter("modified_before", OpenApiTypes.DATETIME),
            OpenApiParameter("min_size", _SIZE, description="Bytes."),
            OpenApiParameter("max_size", _SIZE, description="Bytes."),
            OpenApiParameter(
                "folder", OpenApiTypes.UUID, description="Search only this folder's subtree (yours or shared with you)"
            ),
            *page_parameters(default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE),
        ],
        responses=SearchPageOutput,
    )
    def get(self, request):
        params = request.query_params
        folder_id = params.get("folder")
        folder = (
            folder_for_actor(actor=request.user, folder_id=folder_id, need=Need.VIEW, field="folder")
            if folder_id not in (None, "")
            else None
        )
        page = search_for_actor(
            actor=request.user,
            query=params.get("q"),
            kind=params.get("type"),
            modified_after=params.get("modified_after"),
            modified_before=params.get("modified_before"),
            min_size=params.get("min_size"),
            max_size=params.get("max_size"),
            folder=folder,
            cursor=params.get("cursor"),
            limit=params.get("limit"),
        )
        return Response(SearchPageOutput(page).data)
