"""POST /api/v1/webhooks/identity/: events from the identity provider, signed.

Two signature schemes, chosen by the headers a delivery carries: Standard Webhooks
(`webhook-signature`, as Svix-based providers such as Clerk send) with
KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET, or Kosha's own HMAC (`X-Kosha-Signature`) with
KOSHA_IDENTITY_WEBHOOK_SECRET. The endpoint answers 404 while neither secret is set.
"""

import json

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import identity_event_apply
from accounts.webhooks import (
    SIGNATURE_HEADER,
    STANDARD_SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_verify,
    standard_signature_verify,
)
from kosha.errors import InvalidInput, NotFound, WebhookUnauthorized


class IdentityWebhookView(APIView):
    """`user.deleted` deletes the account: Kosha's `{"id", "type", "data": {"email"|"user_id"}}`
    or Clerk's `{"type", "data": {"id", "deleted", "object": "user"}}` (the event id is then the
    `webhook-id` header). Other types are acknowledged and ignored; a replayed id answers
    `"duplicate": true`."""

    # The signature is the authentication: no session, hence no CSRF, and no token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # The provider may send bursts (a bulk offboarding); a bad signature costs one HMAC.
    throttle_classes: list = []

    @extend_schema(
        summary="Identity provider events (Standard Webhooks or HMAC-signed)",
        tags=["webhooks"],
        request=None,
        responses={
            200: OpenApiResponse(description="Applied, ignored, or a duplicate."),
            400: OpenApiResponse(description="Malformed event or timestamp outside the window."),
            401: OpenApiResponse(description="Missing or wrong signature."),
            404: OpenApiResponse(description="The webhook is not configured."),
        },
    )
    def post(self, request: Request) -> Response:
        standard_secret = settings.KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET
        kosha_secret = settings.KOSHA_IDENTITY_WEBHOOK_SECRET
        if not standard_secret and not kosha_secret:
            raise NotFound("The identity webhook is not configured.")
        # The signature covers the raw bytes, so read them before any parser touches them.
        body = request.body
        tolerance = settings.KOSHA_WEBHOOK_TOLERANCE_SECONDS
        event_id = None
        if STANDARD_SIGNATURE_HEADER in request.headers and standard_secret:
            event_id = standard_signature_verify(
                secret=standard_secret, headers=request.headers, body=body, tolerance_seconds=tolerance
            )
        elif SIGNATURE_HEADER in request.headers and kosha_secret:
            signature_verify(
                secret=kosha_secret,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER),
                body=body,
                tolerance_seconds=tolerance,
            )
        else:
            raise WebhookUnauthorized()
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput("The body must be a JSON event.") from None
        return Response(identity_event_apply(event=event, event_id=event_id))
