"""The REST API: Django REST framework (authentication, parsing, errors, throttles) and
the OpenAPI schema drf-spectacular generates."""

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class first: DRF takes the WWW-Authenticate challenge from the first
    # class, so a missing or bad credential is a 401 with `WWW-Authenticate: Token`
    # (RFC 9110 §11.6.1), not a 403. A request without a token header falls through
    # to the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The one JSON guard (kosha/json_body.py): size, depth, characters, number range.
    "DEFAULT_PARSER_CLASSES": ["kosha.json_body.GuardedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "kosha.schema.InputAutoSchema",
    "EXCEPTION_HANDLER": "kosha.api.exception_handler",
    # Per user: 1200 requests a minute in all. Batch uploads (up to 500 files a request)
    # also count against their own scope: a 1,000-file folder takes the browser a few dozen
    # of them, so 300 a minute never slows a real upload, while a client looping on them
    # is stopped (and its reservations are bounded by the plan's quota anyway).
    "DEFAULT_THROTTLE_RATES": {"user": "1200/min", "anon": "120/min", "upload_batch": "300/min"},
    # DRF's sliding windows, counted in one cache round trip (kosha/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": ["kosha.throttles.UserRateThrottle", "kosha.throttles.AnonRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kosha API",
    "DESCRIPTION": "Self-hosted personal cloud storage. Bytes travel through presigned URLs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from this app's static files (drf-spectacular-sidecar, pinned), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two sets of roles: what a share grants, and what the caller may do with an item.
    "ENUM_NAME_OVERRIDES": {
        "ShareRoleEnum": "sharing.models.Share.Role",
        "AccessRoleEnum": ["owner", "editor", "viewer"],
    },
    # Every operation documents the error envelope and the statuses it can answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kosha.schema.error_responses_hook",
        "kosha.schema.empty_query_values_hook",
        "kosha.schema.blank_alternatives_hook",
    ],
}
