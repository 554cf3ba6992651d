from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.api import schema  # noqa: F401  (registers the token auth scheme with drf-spectacular)
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenInputSerializer,
    ApiTokenOutputSerializer,
    AppPasswordCreatedSerializer,
    AppPasswordInputSerializer,
    AppPasswordOutputSerializer,
)
from accounts.selectors import api_token_list_for_user, app_password_list_for_user
from accounts.services import api_token_create, api_token_revoke, app_password_create, app_password_revoke
from kosha.json_fields import body_refuse_any
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, keyset_page, limit_clean, page_parameters, page_response, page_schema


class _PersonalKeyViewSet(viewsets.ViewSet):
    """List (newest first), create (the key shown once) and revoke the signed-in user's own
    keys; subclasses name the selector, the services and the serializers."""

    # Any segment reaches the view, so a malformed id is a JSON 404 from the selector too.
    lookup_value_regex = "[^/]+"
    scope: str
    tag: str  # the OpenAPI tag
    page_name: str  # the OpenAPI component of a page of rows
    summaries: tuple[str, str, str]  # the OpenAPI summaries of list, create and revoke
    output_serializer: type
    input_serializer: type
    created_serializer: type

    def rows_for(self, user):
        raise NotImplementedError

    def create_for(self, user, data):
        raise NotImplementedError

    def revoke_for(self, user, pk):
        raise NotImplementedError

    def list(self, request):
        # Scoping to request.user is the access control: DRF checks no object permission on lists.
        page = keyset_page(
            self.rows_for(request.user),
            keys=["created_at"],
            descending=True,
            cursor=request.query_params.get("cursor"),
            limit=limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
            scope=f"{self.scope}:{request.user.pk}",
        )
        return Response(page_response(page, self.output_serializer))

    def create(self, request):
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, key = self.create_for(request.user, serializer.validated_data)
        row.key = key
        return Response(self.created_serializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        body_refuse_any(request)
        self.revoke_for(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _documented(viewset: type[_PersonalKeyViewSet]) -> type[_PersonalKeyViewSet]:
    """The OpenAPI description of a personal-key viewset, from its serializers, `tag`,
    `page_name` and `summaries` (list, create, revoke)."""
    listed, made, revoked = viewset.summaries
    return extend_schema_view(
        list=extend_schema(
            summary=listed,
            tags=[viewset.tag],
            parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
            responses=page_schema(viewset.page_name, viewset.output_serializer(many=True)),
        ),
        create=extend_schema(
            summary=made,
            tags=[viewset.tag],
            request=viewset.input_serializer,
            responses={201: viewset.created_serializer},
        ),
        destroy=extend_schema(
            summary=revoked, tags=[viewset.tag], responses={204: OpenApiResponse(description="Revoked.")}
        ),
    )(viewset)


@_documented
class ApiTokenViewSet(_PersonalKeyViewSet):
    """Personal API tokens of the signed-in user (`Authorization: Token <key>`)."""

    scope = "accounts.tokens"
    tag = "tokens"
    page_name = "ApiTokenPage"
    summaries = ("List your API tokens, newest first", "Create an API token", "Revoke an API token")
    output_serializer = ApiTokenOutputSerializer
    input_serializer = ApiTokenInputSerializer
    created_serializer = ApiTokenCreatedSerializer

    def rows_for(self, user):
        return api_token_list_for_user(user=user)

    def create_for(self, user, data):
        return api_token_create(user=user, name=data["name"])

    def revoke_for(self, user, pk):
        api_token_revoke(user=user, token_id=pk)


@_documented
class AppPasswordViewSet(_PersonalKeyViewSet):
    """App passwords of the signed-in user: HTTP Basic for /dav/, one per device."""

    scope = "accounts.app_passwords"
    tag = "app passwords"
    page_name = "AppPasswordPage"
    summaries = (
        "List your app passwords (WebDAV devices), newest first",
        "Create an app password for a device",
        "Revoke an app password",
    )
    output_serializer = AppPasswordOutputSerializer
    input_serializer = AppPasswordInputSerializer
    created_serializer = AppPasswordCreatedSerializer

    def rows_for(self, user):
        return app_password_list_for_user(user=user)

    def create_for(self, user, data):
        return app_password_create(user=user, **data)

    def revoke_for(self, user, pk):
        app_password_revoke(user=user, app_password_id=pk)
