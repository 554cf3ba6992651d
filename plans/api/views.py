from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.api.serializers import UsageOutputSerializer
from storage.selectors import usage_summary_for_user


class UsageView(APIView):
    """What the signed-in user stores and the limits of their plan."""

    @extend_schema(
        operation_id="usage_retrieve",
        summary="Your usage and your plan's limits",
        responses={200: UsageOutputSerializer},
        tags=["usage"],
    )
    def get(self, request: Request) -> Response:
        # The serializer describes the answer (the schema); the selector builds the same
        # JSON from plain values (plans/tests/test_usage_api.py compares the two).
        return Response(usage_summary_for_user(user=request.user))
