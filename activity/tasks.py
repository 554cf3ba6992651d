"""django-q2 entry points of the activity log."""

from activity.services import activity_prune


def activity_prune_task() -> int:
    """Scheduled daily (see the schedule migration): drop events past retention."""
    return activity_prune()
