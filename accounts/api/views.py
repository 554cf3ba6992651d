from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.api import schema  # noqa: F401  (registers the token auth scheme with drf-spectacular)
from accounts.api.pagination import ItemsCursorPagination
from accounts.api.serializers import ApiTokenCreatedSerializer, ApiTokenInputSerializer, ApiTokenOutputSerializer
from accounts.selectors import api_token_list_for_user
from accounts.services import api_token_create, api_token_revoke


class ApiTokenPagination(ItemsCursorPagination):
    ordering = ("-created_at", "id")


@extend_schema_view(
    list=extend_schema(summary="List your API tokens", tags=["tokens"], responses=ApiTokenOutputSerializer(many=True)),
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
class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Personal API tokens of the signed-in user (`Authorization: Token <key>`)."""

    serializer_class = ApiTokenOutputSerializer
    pagination_class = ApiTokenPagination
    # Any segment reaches the view, so a malformed id is a JSON 404 from the selector too.
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        # Scoping to request.user is the access control: DRF checks no object permission on lists.
        return api_token_list_for_user(user=self.request.user)

    def create(self, request):
        serializer = ApiTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, name=serializer.validated_data["name"])
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        api_token_revoke(user=request.user, token_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
