"""Reads of the accounts app, scoped to the acting user."""

import uuid

from django.db.models import QuerySet

from accounts.models import ApiToken, AppPassword, User
from kosha.errors import NotFound


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def api_token_get_for_user(*, user: User, token_id: uuid.UUID | str) -> ApiToken:
    """One of user's tokens, or NotFound (also for another user's token or a malformed id)."""
    try:
        parsed = token_id if isinstance(token_id, uuid.UUID) else uuid.UUID(str(token_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound("Token not found.", resource="token") from None
    token = ApiToken.objects.filter(user=user, pk=parsed).first()
    if token is None:
        raise NotFound("Token not found.", resource="token")
    return token


def app_password_list_for_user(*, user: User) -> QuerySet[AppPassword]:
    """The user's app passwords, newest first."""
    return AppPassword.objects.filter(user=user).order_by("-created_at", "id")


def app_password_get_for_user(*, user: User, app_password_id: uuid.UUID | str) -> AppPassword:
    """One of user's app passwords, or NotFound (also for another user's or a malformed id)."""
    try:
        parsed = app_password_id if isinstance(app_password_id, uuid.UUID) else uuid.UUID(str(app_password_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound("App password not found.", resource="app_password") from None
    found = AppPassword.objects.filter(user=user, pk=parsed).first()
    if found is None:
        raise NotFound("App password not found.", resource="app_password")
    return found
