"""Personal API tokens: `kosha_<prefix>_<secret>`; we keep the prefix and a hash of the secret."""

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "kosha"


def token_generate() -> tuple[str, str, str]:
    """Return (full key to show once, public prefix, secret hash to store)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", prefix, token_hash(secret)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_split(key: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def token_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(token_hash(secret), secret_hash)
