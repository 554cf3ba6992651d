"""The django-q2 broker a web process enqueues its tasks through, made once per thread.

`django_q.tasks.async_task` asks `get_broker()` for a new broker on every call unless it
is given one, and the Redis broker's constructor builds a new Redis client with its own
connection pool: every task enqueued from a request paid a TCP connect, redis-py's
handshake (HELLO, CLIENT SETINFO, which reads the package's metadata from disk) and the
client's construction, for one RPUSH (recording an upload enqueues its SHA-1 task).
Every task is enqueued through `task_enqueue`, which passes the thread's broker: it keeps
its client and pool.
"""

import threading
from typing import Any

from django_q.brokers import Broker, get_broker
from django_q.tasks import async_task

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
