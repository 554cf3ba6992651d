"""POST /api/v1/webhooks/identity/: events from the identity provider, signed with HMAC."""

import json

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import identity_event_apply
from accounts.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_verify
from kosha.errors import InvalidInput, NotFound


class IdentityWebhookView(APIView):
    """`{"id", "type": "user.deleted", "data": {"email"|"user_id"}}` deletes the account;
    other types are acknowledged and ignored; a replayed id answers `"duplicate": true`."""

    # The HMAC signature is the authentication: no session, hence no CSRF, and no token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The provider may send bursts (a bulk offboarding); a bad signature costs one HMAC.
    throttle_classes: list = []

    @extend_schema(
        summary="Identity provider events (HMAC-signed)",
        tags=["webhooks"],
        request=None,
        responses={
            200: OpenApiResponse(description="Applied, ignored, or a duplicate."),
            400: OpenApiResponse(description="Malformed event or timestamp outside the window."),
            401: OpenApiResponse(description="Missing or wrong signature."),
        },
    )
    def post(self, request: Request) -> Response:
        secret = settings.KOSHA_IDENTITY_WEBHOOK_SECRET
        if not secret:
            raise NotFound("The identity webhook is not configured.")
        # The signature covers the raw bytes, so read them before any parser touches them.
        body = request.body
        signature_verify(
            secret=secret,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            body=body,
            tolerance_seconds=settings.KOSHA_WEBHOOK_TOLERANCE_SECONDS,
        )
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput("The body must be a JSON event.") from None
        return Response(identity_event_apply(event=event))
