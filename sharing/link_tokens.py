"""The tokens of public links and invitations: made, hashed, and kept so the owner can copy
the address again, never in plain text.

The row keeps two things: `token_sha256`, the unique index every visit looks the link up
by (a visitor's token is hashed, never decrypted), and `token_sealed`, the token
encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` library)
under a key derived from SECRET_KEY. A leaked database or backup without SECRET_KEY opens
no link. SECRET_KEY_FALLBACKS still open tokens sealed under a retired key; a token
sealed under a key that is gone opens as None (the owner makes a new link).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_KEY_SALT = "kosha.sharing.link-token-seal"

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, and a plain SHA-256 index suffices
# secrets.token_urlsafe(32) is 43 characters; anything else is not one of ours.
TOKEN_LENGTH = 43


def token_new() -> str:
    """A fresh URL-safe token of TOKEN_BYTES random bytes (TOKEN_LENGTH characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_sha256(token: str) -> str:
    """The hex SHA-256 a row is found by (a lone surrogate hashes too, and finds nothing)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _fernet(secret: str | bytes) -> Fernet:
    # 32 bytes of HMAC-SHA256 under the secret: a key no other use of SECRET_KEY makes.
    raw = salted_hmac(_KEY_SALT, "fernet-key", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]])


def token_seal(token: str) -> str:
    """The token encrypted under the current SECRET_KEY (ASCII text, about 140
    characters for a 43-character token). Raises nothing for a str."""
    return _keys().encrypt(token.encode()).decode("ascii")


def token_open(sealed: str) -> str | None:
    """The token sealed by token_seal, or None for '' (a link made before tokens were
    sealed) or one no current or fallback SECRET_KEY opens (tampered, or the key retired)."""
    if not sealed:
        return None
    try:
        return _keys().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        return None
