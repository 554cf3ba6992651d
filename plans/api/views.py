from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.api.serializers import UsageOutputSerializer
from storage.selectors import usage_get_with_trash_bytes


class UsageView(APIView):
    """What the signed-in user stores and the limits of their plan."""

    @extend_schema(
        operation_id="usage_retrieve",
        summary="Your usage and your plan's limits",
        responses={200: UsageOutputSerializer},
        tags=["usage"],
    )
    def get(self, request: Request) -> Response:
        usage = usage_get_with_trash_bytes(user=request.user)
        return Response(UsageOutputSerializer(usage).data)
