"""`GET /api/v1/search/`: names of the user's live files and folders, best match first."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from storage.search import MAX_QUERY_CHARS, MIN_QUERY_CHARS, SEARCH_TYPES, search_for_user


class SearchItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["file", "folder"])
    id = serializers.UUIDField()
    name = serializers.CharField()
    folder = serializers.SerializerMethodField(help_text="Containing folder of a file (null: the root).")
    parent = serializers.SerializerMethodField(help_text="Containing folder of a folder (null: the root).")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="Names of the containing folders, root first."
    )
    size = serializers.IntegerField(source="size_bytes", allow_null=True)
    content_type = serializers.CharField(allow_null=True)
    modified = serializers.DateTimeField()
    score = serializers.FloatField()

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


class SearchView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description=f"{MIN_QUERY_CHARS} to {MAX_QUERY_CHARS} characters"),
            OpenApiParameter("type", str, enum=list(SEARCH_TYPES)),
            OpenApiParameter("modified_after", OpenApiTypes.DATETIME),
            OpenApiParameter("modified_before", OpenApiTypes.DATETIME),
            OpenApiParameter("min_size", int),
            OpenApiParameter("max_size", int),
            OpenApiParameter("folder", OpenApiTypes.UUID, description="Search only this folder's subtree"),
            OpenApiParameter("limit", int),
            OpenApiParameter("cursor", str),
        ],
        responses=SearchPageOutput,
    )
    def get(self, request):
        params = request.query_params
        page = search_for_user(
            user=request.user,
            query=params.get("q"),
            kind=params.get("type"),
            modified_after=params.get("modified_after"),
            modified_before=params.get("modified_before"),
            min_size=params.get("min_size"),
            max_size=params.get("max_size"),
            folder_id=params.get("folder"),
            cursor=params.get("cursor"),
            limit=params.get("limit"),
        )
        return Response(SearchPageOutput(page).data)
