"""OpenAPI description of the personal API token scheme (imported by accounts.api.views)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A personal API token from account settings, sent as "Token <key>".',
        }
