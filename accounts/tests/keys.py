"""The keys of API tokens and app passwords (`kosha_<prefix>_<secret>`, accounts/tokens.py),
shown once when made and stored only as the hash of their secret."""

from accounts.tokens import token_hash


def assert_key_stored_as_hash(model, body: dict, user):
    """The create answer `body` made a `model` row (ApiToken, AppPassword) of `user`
    holding the hash of its key's secret and never the secret; returns the row."""
    row = model.objects.get(pk=body["id"], user=user)
    secret = body["key"].split("_", 2)[2]
    assert row.secret_hash == token_hash(secret)
    assert secret not in row.secret_hash
    return row
