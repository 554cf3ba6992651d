from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.token_cache import api_token_cache_forget, api_token_cached
from accounts.tokens import token_matches, token_split


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`) with a personal API token. The
    token and its user come from the shared cache (accounts/token_cache.py): a known token
    costs no query, except the last-used touch at most once a minute (an UPDATE, and the
    token read again on the next request); revoking the token or deactivating the user
    takes effect on the next request."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        parsed = token_split(header[1])
        if parsed is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        prefix, secret = parsed
        token = api_token_cached(prefix=prefix)
        if token is None or not token_matches(secret, token.secret_hash) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        # Touch at most once a minute so token use does not write on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            if not ApiToken.objects.filter(pk=token.pk).update(last_used_at=now):
                raise exceptions.AuthenticationFailed("Invalid token.")  # revoked since it was read
            token.last_used_at = now
            # Dropped, not stored again: what this request read may already be stale (the
            # token revoked or its user deactivated after the read, and the entry deleted
            # then); the next request reads the row again.
            api_token_cache_forget(token)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"
