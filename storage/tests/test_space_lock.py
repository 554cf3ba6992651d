"""storage.locks.space_lock is transaction-scoped: it refuses to be taken where it would
end with its own statement."""

import uuid

import pytest
from django.db import transaction

from storage.locks import space_lock, space_lock_key


@pytest.mark.django_db(transaction=True)
def test_a_space_lock_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="needs a transaction"):
        space_lock(owner_ids=[uuid.uuid4()], shared=True)


@pytest.mark.django_db(transaction=True)
def test_a_space_lock_inside_a_transaction_is_taken():
    with transaction.atomic():
        space_lock(owner_ids=[uuid.uuid4(), uuid.uuid4()], shared=False)


def test_the_key_of_a_space_is_the_ids_first_64_bits_signed():
    owner_id = uuid.UUID("ffffffff-ffff-ffff-0000-000000000000")

    assert space_lock_key(owner_id) == -1
