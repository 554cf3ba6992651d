"""django-q2 entry points: thin, idempotent, taking ids and plain values."""

from storage.services.uploads import upload_sweep


def upload_sweep_task() -> int:
    """Scheduled every few minutes (see the schedules migration)."""
    return upload_sweep()
