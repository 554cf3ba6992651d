"""The django-q2 broker a web process enqueues its tasks through, made once per thread.

`django_q.tasks.async_task` asks `get_broker()` for a new broker on every call unless it
is given one, and the Redis broker's constructor builds a new Redis client with its own
connection pool: every task enqueued from a request paid a TCP connect, redis-py's
handshake (HELLO, CLIENT SETINFO, which reads the package's metadata from disk) and the
client's construction, for one RPUSH (recording an upload enqueues its SHA-1 task).
Every task is enqueued through `task_enqueue`, which passes the thread's broker: it keeps
its client and pool.

Work that follows a change already committed (a recorded upload's checksum, thumbnail,
prune and replica copy; blob deletes; e-mails) is enqueued with `task_enqueue_after_commit`
or, inside an after-commit hook, `task_enqueue_logged`: a broker that fails then (Redis
down) cannot undo the change, so it must not answer the change as failed (a 500 for an
upload that is recorded, which a retry answers 200); the failure is logged and the work
is left to the scheduled sweep that covers it (storage/tasks.py: the replication
backlog, the orphan sweep, the account purge sweep, and storage.services.followups for a
version's SHA-1 and thumbnail, a file's prune and a folder zip's build).
"""

import logging
import threading
from typing import Any

from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

_local = threading.local()


def task_broker() -> Broker:
    """This thread's broker (django_q.brokers.get_broker(), as configured by Q_CLUSTER),
    made on first use. One per thread because a broker other than Redis's (the ORM's)
    holds per-connection state; a forked process's threads make their own."""
    broker = getattr(_local, "broker", None)
    if broker is None:
        broker = _local.broker = get_broker()
    return broker


def task_enqueue(func: str, *args: Any, **kwargs: Any) -> str:
    """django_q.tasks.async_task(func, *args, **kwargs) through this thread's broker: the
    task's id. Raises what async_task raises (the broker unreachable). Locks nothing."""
    return async_task(func, *args, broker=task_broker(), **kwargs)


def task_enqueue_logged(func: str, *args: Any, **kwargs: Any) -> str | None:
    """`task_enqueue`, for work whose change has committed already: an error of the broker
    (unreachable, refusing) is logged (ERROR, with the task and its arguments) and None
    returned, never raised. Locks nothing."""
    try:
        return task_enqueue(func, *args, **kwargs)
    except Exception:  # noqa: BLE001 - whatever the configured broker raises (Redis, the ORM, SQS)
        logger.exception("Could not enqueue %s (args %r, kwargs %r): the task broker failed", func, args, kwargs)
        return None


def task_enqueue_after_commit(func: str, *args: Any, **kwargs: Any) -> None:
    """`task_enqueue_logged` once the current transaction commits (at once outside one):
    the task sees the committed rows, and a broker failure fails nothing that committed."""
    transaction.on_commit(lambda: task_enqueue_logged(func, *args, **kwargs))
