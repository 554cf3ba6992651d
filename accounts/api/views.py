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
from kosha.pages import DEFAULT_LIMIT, MAX_LIMIT, keyset_page, limit_clean, page_parameters, page_response, page_schema


class _PersonalKeyViewSet(viewsets.ViewSet):
    """List (newest first), create (the key shown once) and revoke the signed-in user's own
    keys; subclasses name the selector, the services and the serializers."""

    # Any segment reaches the view, so a malformed id is a JSON 404 from the selector too.
    lookup_value_regex = "[^/]+"
    scope: str
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
        self.revoke_for(request.user, pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List your API tokens, newest first",
        tags=["tokens"],
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("ApiTokenPage", ApiTokenOutputSerializer(many=True)),
    ),
    create=extend_schema(
        summary="Create an API token",
        tags=["tokens"],
        request=ApiTokenInputSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke an API token", tags=["tokens"], responses={204: OpenApiResponse(description="Revoked.")}
    ),
)
class ApiTokenViewSet(_PersonalKeyViewSet):
    """Personal API tokens of the signed-in user (`Authorization: Token <key>`)."""

    scope = "accounts.tokens"
    output_serializer = ApiTokenOutputSerializer
    input_serializer = ApiTokenInputSerializer
    created_serializer = ApiTokenCreatedSerializer

    def rows_for(self, user):
        return api_token_list_for_user(user=user)

    def create_for(self, user, data):
        return api_token_create(user=user, name=data["name"])

    def revoke_for(self, user, pk):
        api_token_revoke(user=user, token_id=pk)


@extend_schema_view(
    list=extend_schema(
        summary="List your app passwords (WebDAV devices), newest first",
        tags=["app passwords"],
        parameters=page_parameters(default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
        responses=page_schema("AppPasswordPage", AppPasswordOutputSerializer(many=True)),
    ),
    create=extend_schema(
        summary="Create an app password for a device",
        tags=["app passwords"],
        request=AppPasswordInputSerializer,
        responses={201: AppPasswordCreatedSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke an app password",
        tags=["app passwords"],
        responses={204: OpenApiResponse(description="Revoked.")},
    ),
)
class AppPasswordViewSet(_PersonalKeyViewSet):
    """App passwords of the signed-in user: HTTP Basic for /dav/, one per device."""

    scope = "accounts.app_passwords"
    output_serializer = AppPasswordOutputSerializer
    input_serializer = AppPasswordInputSerializer
    created_serializer = AppPasswordCreatedSerializer

    def rows_for(self, user):
        return app_password_list_for_user(user=user)

    def create_for(self, user, data):
        return app_password_create(user=user, **data)

    def revoke_for(self, user, pk):
        app_password_revoke(user=user, app_password_id=pk)
