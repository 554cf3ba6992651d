"""POST /api/v1/webhooks/storage/: object-store event notifications (S3, SNS, MinIO)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.errors import NotFound
from storage.webhooks import storage_delivery_parse, storage_event_handle, storage_webhook_authenticate


class StorageEventsView(APIView):
    """Finishes uploads whose client never called complete; see docs/storage-events.md."""

    # The shared secret is the authentication: no session, hence no CSRF, and no token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # One event per uploaded object: a busy store would trip the anonymous rate limit.
    throttle_classes: list = []

    @extend_schema(
        summary="Object-store event notifications",
        tags=["webhooks"],
        request=None,
        responses={
            200: OpenApiResponse(description="Processed; the outcome of each record."),
            401: OpenApiResponse(description="Missing or wrong secret."),
            503: OpenApiResponse(description="The store is unreachable; the sender should retry."),
        },
    )
    def post(self, request: Request) -> Response:
        secret = settings.KOSHA_STORAGE_WEBHOOK_SECRET
        if not secret:
            raise NotFound("The storage webhook is not configured.")
        storage_webhook_authenticate(secret=secret, authorization=request.headers.get("Authorization"))
        # SNS posts JSON as text/plain: read the raw body rather than DRF's parsers.
        delivery = storage_delivery_parse(body=request.body)
        outcomes = [
            {"event": event.name, "key": event.key, "outcome": storage_event_handle(event=event)}
            for event in delivery.events
        ]
        answer: dict = {"records": outcomes}
        if delivery.notice:
            answer["notice"] = delivery.notice
        return Response(answer)
