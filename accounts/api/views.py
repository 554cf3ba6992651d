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
class ApiTokenViewSet(viewsets.ViewSet):
    """Personal API tokens of the signed-in user (`Authorization: Token <key>`)."""

    # Any segment reaches the view, so a malformed id is a JSON 404 from the selector too.
    lookup_value_regex = "[^/]+"

    def list(self, request):
        # Scoping to request.user is the access control: DRF checks no object permission on lists.
        page = keyset_page(
            api_token_list_for_user(user=request.user),
            keys=["created_at"],
            descending=True,
            cursor=request.query_params.get("cursor"),
            limit=limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
            scope=f"accounts.tokens:{request.user.pk}",
        )
        return Response(page_response(page, ApiTokenOutputSerializer))

    def create(self, request):
        serializer = ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, name=serializer.validated_data["name"])
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
class AppPasswordViewSet(viewsets.ViewSet):
    """App passwords of the signed-in user: HTTP Basic for /dav/, one per device."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        page = keyset_page(
            app_password_list_for_user(user=request.user),
            keys=["created_at"],
            descending=True,
            cursor=request.query_params.get("cursor"),
            limit=limit_clean(request.query_params.get("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT),
            scope=f"accounts.app_passwords:{request.user.pk}",
        )
        return Response(page_response(page, AppPasswordOutputSerializer))

    def create(self, request):
        serializer = AppPasswordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found, key = app_password_create(user=request.user, **serializer.validated_data)
        found.key = key
        return Response(AppPasswordCreatedSerializer(found).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        app_password_revoke(user=request.user, app_password_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
