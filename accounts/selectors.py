"""Reads of the accounts app, scoped to the acting user."""

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet

from accounts.models import ApiToken, AppPassword, User
from kosha.errors import NotFound

M = TypeVar("M", bound=Model)


def _owned_by(model: type[M], *, user: User, raw_id: uuid.UUID | str, message: str, resource: str) -> M:
    """The user's row of model with this id, or NotFound (also for another user's row or
    a malformed id, so an id says nothing about whose it is)."""
    try:
        parsed = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound(message, resource=resource) from None
    found = model._default_manager.filter(user=user, pk=parsed).first()
    if found is None:
        raise NotFound(message, resource=resource)
    return found


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def api_token_get_for_user(*, user: User, token_id: uuid.UUID | str) -> ApiToken:
    """One of user's tokens, or NotFound (also for another user's token or a malformed id)."""
    return _owned_by(ApiToken, user=user, raw_id=token_id, message="Token not found.", resource="token")


def app_password_list_for_user(*, user: User) -> QuerySet[AppPassword]:
    """The user's app passwords, newest first."""
    return AppPassword.objects.filter(user=user).order_by("-created_at", "id")


def app_password_get_for_user(*, user: User, app_password_id: uuid.UUID | str) -> AppPassword:
    """One of user's app passwords, or NotFound (also for another user's or a malformed id)."""
    return _owned_by(
        AppPassword, user=user, raw_id=app_password_id, message="App password not found.", resource="app_password"
    )
