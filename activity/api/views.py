"""GET /api/v1/activity/: what the signed-in user did anywhere, and what anyone did in
their space (collaborators, link visitors), newest first, as they read it."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.api.serializers import ActivityEventOutput
from activity.presentation import event_views
from activity.selectors import PAGE_SIZE, activity_list_for_user
from kosha.pages import MAX_LIMIT, limit_clean, page_parameters, page_schema


class ActivityListView(APIView):
    @extend_schema(
        summary="Your activity, newest first",
        parameters=page_parameters(default=PAGE_SIZE, maximum=MAX_LIMIT),
        responses=page_schema("ActivityPage", ActivityEventOutput(many=True)),
        tags=["activity"],
    )
    def get(self, request):
        limit = limit_clean(request.query_params.get("limit"), default=PAGE_SIZE, maximum=MAX_LIMIT)
        page = activity_list_for_user(user=request.user, cursor=request.query_params.get("cursor"), limit=limit)
        views = event_views(page.items, viewer=request.user)
        return Response({"items": ActivityEventOutput(views, many=True).data, "next": page.next_cursor})
