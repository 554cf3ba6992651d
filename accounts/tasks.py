"""django-q2 entry points of the accounts app: thin, idempotent, taking ids."""

from accounts.services import account_purge, account_purge_sweep
from storage import keys
from storage.backends import get_backend


def account_purge_task(user_id: str) -> bool:
    """Enqueued when an account's deletion is requested. A store outage raises, the task
    is not acknowledged, and django-q2 delivers it again; every step is safe to repeat."""
    return account_purge(user_id=user_id)


def account_purge_sweep_task() -> int:
    """Scheduled hourly (see the accounts migration): finish purges whose retries ran out."""
    return account_purge_sweep()


def account_objects_delete_task(user_id: str) -> int:
    """Enqueued when a User row was deleted outside the purge flow (accounts/signals.py)."""
    return get_backend().delete_prefix(prefix=keys.user_prefix(user_id))
