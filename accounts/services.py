"""Writes of the accounts app."""

from django.db import transaction

from accounts.models import ApiToken, User
from accounts.selectors import api_token_get_for_user
from accounts.tokens import token_generate
from kosha.errors import InvalidInput

API_TOKEN_NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a personal API token for user. Returns (token, key); the key exists only in this
    return value, since we keep just a hash of its secret. Raises InvalidInput for a blank
    or overlong name."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the token a name.", field="name")
    if len(name) > API_TOKEN_NAME_MAX_LENGTH:
        raise InvalidInput(f"A token name has at most {API_TOKEN_NAME_MAX_LENGTH} characters.", field="name")
    key, prefix, secret_hash = token_generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=secret_hash)
    return token, key


def api_token_revoke(*, user: User, token_id) -> None:
    """Delete one of user's API tokens; it stops authenticating at once.
    Raises NotFound for a malformed id or a token user does not own."""
    token = api_token_get_for_user(user=user, token_id=token_id)
    token.delete()
