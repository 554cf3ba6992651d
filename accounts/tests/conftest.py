import pytest

from accounts.services import api_token_create


@pytest.fixture
def owner_token(owner):
    """(token, key) belonging to the owner."""
    return api_token_create(user=owner, name="laptop sync")


@pytest.fixture
def stranger_token(stranger):
    return api_token_create(user=stranger, name="stranger's script")
