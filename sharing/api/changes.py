"""The change feed's API: `GET /api/v1/changes/` (what changed after a cursor) and
`GET /api/v1/changes/latest/` (the cheap poll that says when to read it).

A sync client or the web app: 1. calls /changes/ without a cursor once, keeps the
`cursor` (a start from now, like Dropbox's get_latest_cursor or Drive's
getStartPageToken); 2. polls /changes/latest/ every `poll_seconds` with If-None-Match,
which answers 304 from the cache while nothing it may see changed; 3. on a 200, calls
/changes/?cursor= until `has_more` is false, and keeps the last `cursor`. No request is
held open waiting: Kosha's web workers are synchronous, and a waiting client would hold
one each (see sharing/change_marks.py).
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.pages import limit_clean, page_parameters
from sharing.change_marks import changes_tag_for_user
from sharing.changes import EVENTS, changes_list_for_user, changes_start_cursor

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


class ChangeOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The entry's position; increases with time.")
    item = serializers.CharField(source="item_id", help_text="The file's or folder's id.")
    kind = serializers.ChoiceField(choices=["file", "folder"])
    name = serializers.CharField(help_text="The item's name right after the change.")
    parent = serializers.UUIDField(
        source="parent_id",
        allow_null=True,
        help_text="The folder holding the item after the change; null at the top of your space, or "
        "for an item shared with you when that folder is outside what you can see (the shared item "
        "itself, or an item moved out of your view: drop it).",
    )
    event = serializers.ChoiceField(choices=EVENTS)
    at = serializers.DateTimeField()
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)


_FEED = inline_serializer(
    "ChangePage",
    {
        "items": ChangeOutput(many=True),
        "cursor": serializers.CharField(help_text="Pass as ?cursor= next time; always present."),
        "has_more": serializers.BooleanField(help_text="More changes are ready: call again at once."),
    },
)


class ChangesView(APIView):
    @extend_schema(
        summary="What changed after a cursor",
        parameters=page_parameters(
            default=DEFAULT_LIMIT,
            maximum=MAX_LIMIT,
            cursor="The `cursor` of the previous answer; none (or empty) for a cursor at now.",
        ),
        responses={
            200: _FEED,
            400: OpenApiResponse(description="A bad cursor or limit."),
            410: OpenApiResponse(
                description="The cursor is older than the activity log keeps (code gone, reason "
                "cursor_expired): list your folders again and start from a new cursor."
            ),
        },
        description="What changed in your space and in what is shared with you after `cursor`, oldest "
        "first. Without a cursor: no items, and a cursor at now to follow from. Entries appear a "
        "couple of seconds after their change (KOSHA_CHANGES_SETTLE_SECONDS), so none is ever skipped.",
    )
    def get(self, request):
        limit = limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        cursor = request.query_params.get("cursor")
        if cursor in (None, ""):
            return Response({"items": [], "cursor": changes_start_cursor(user=request.user), "has_more": False})
        page = changes_list_for_user(user=request.user, cursor=cursor, limit=limit)
        items = ChangeOutput(page.items, many=True).data
        return Response({"items": items, "cursor": page.cursor, "has_more": page.has_more})


def _tag_matches(header: str, tag: str) -> bool:
    """RFC 9110 13.1.2 weak comparison of an If-None-Match list with our (strong) tag."""
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or f'"{tag}"' in candidates


class ChangesLatestView(APIView):
    @extend_schema(
        summary="Whether anything changed (the cheap poll)",
        parameters=[
            OpenApiParameter(
                "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The ETag of the last answer."
            )
        ],
        responses={
            200: inline_serializer(
                "ChangesLatest",
                {
                    "tag": serializers.CharField(help_text="Also the ETag: send it back as If-None-Match."),
                    "poll_seconds": serializers.IntegerField(help_text="How long to wait before asking again."),
                },
            ),
            304: OpenApiResponse(description="Nothing you may see changed since this ETag."),
        },
        description="The cheap poll: answered from the cache (no database query beyond signing in). "
        "When the tag moves, read /api/v1/changes/?cursor=.",
    )
    def get(self, request):
        tag = changes_tag_for_user(user=request.user)
        headers = {"ETag": f'"{tag}"', "Cache-Control": "private, no-cache"}
        if _tag_matches(request.headers.get("If-None-Match", ""), tag):
            return Response(status=304, headers=headers)
        return Response({"tag": tag, "poll_seconds": settings.KOSHA_CHANGES_POLL_SECONDS}, headers=headers)
