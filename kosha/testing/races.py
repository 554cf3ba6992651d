"""Race tests: many calls released at once, or one competing change run at an exact moment.

- `run_concurrently(count, work)`: `count` threads, each with its own database
  connection, released together by a barrier. For "N at once, exactly M succeed".
- `run_before(target, competing)` / `run_after(...)`: patch the function at dotted path
  `target` so that, the first time anything calls it, `competing()` runs just before (or
  just after) it. The interleaving is then the same on every run (Saleor's
  `saleor/tests/race_condition.py`, RunBefore/RunAfter).

  By default `competing` runs in the calling thread, on its connection: right for a
  moment outside any transaction (between "verify" and "record"). Inside a transaction
  that holds a lock, pass `in_thread=True`: `competing` then runs in a thread with its own
  connection, and the hook waits until it has finished or is waiting for a lock (asked of
  PostgreSQL with `pg_blocking_pids`), so the lock's effect is what the test sees. Threads
  with their own connections see only committed rows: use them in
  `django_db(transaction=True)` tests on PostgreSQL.

What `competing` returned is on the yielded `Race` (`race.result`); if it raised, the error
is raised again when the `with` block ends, so catch what you expect inside `competing`.
A hook that never fired fails the test: a renamed or no longer called target cannot make
a race test pass without racing.
"""

import inspect
import pkgutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db import connection

JOIN_SECONDS = 60  # a thread still running after this has deadlocked: fail, never hang
BLOCK_WAIT_SECONDS = 30


def run_concurrently(count: int, work: Callable[[int], Any]) -> list:
    """Run `work(i)` for i in range(count) in `count` threads released at the same
    instant, each with its own database connection (closed at the end). Returns each
    call's result, or the exception it raised, in order of i."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_SECONDS)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a concurrent call never finished"
    return results


@dataclass
class Race:
    """What the competing change did: `fired` once the hook ran, `result` its return value."""

    fired: bool = False
    result: Any = None
    error: BaseException | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _is_waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
        return cursor.fetchone()[0]


def _start_in_thread(race: Race, competing: Callable[[], Any]) -> None:
    """Start `competing` on its own connection; return once it is done or waits for a lock."""
    if connection.vendor != "postgresql":
        raise RuntimeError("in_thread races need PostgreSQL (it reports who waits for a lock)")
    started = threading.Event()
    pid: list[int] = []

    def runner() -> None:
        try:
            pid.append(_backend_pid())
            started.set()
            race.result = competing()
        except BaseException as exc:  # noqa: BLE001 - raised again when the block ends
            race.error = exc
        finally:
            started.set()
            connection.close()

    race._thread = threading.Thread(target=runner)
    race._thread.start()
    started.wait(timeout=BLOCK_WAIT_SECONDS)
    deadline = time.monotonic() + BLOCK_WAIT_SECONDS
    while race._thread.is_alive() and not (pid and _is_waiting_for_a_lock(pid[0])):
        if time.monotonic() > deadline:
            raise AssertionError("the competing change neither finished nor waited for a lock")
        time.sleep(0.005)


def _run(race: Race, competing: Callable[[], Any], *, in_thread: bool) -> None:
    if in_thread:
        _start_in_thread(race, competing)
        return
    try:
        race.result = competing()
    except Exception as exc:  # noqa: BLE001 - raised again when the block ends
        race.error = exc


@contextmanager
def _hook(target: str, competing: Callable[[], Any], *, before: bool, in_thread: bool) -> Iterator[Race]:
    owner_path, _, attribute = target.rpartition(".")
    owner = pkgutil.resolve_name(owner_path)
    original = inspect.getattr_static(owner, attribute)  # a method stays unbound
    race = Race()
    claim = threading.Lock()

    def hooked(*args, **kwargs):
        with claim:
            first, race.fired = not race.fired, True
        if not first:
            return original(*args, **kwargs)
        if before:
            _run(race, competing, in_thread=in_thread)
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        _run(race, competing, in_thread=in_thread)
        return result

    with mock.patch.object(owner, attribute, hooked):
        try:
            yield race
        finally:
            if race._thread is not None:
                race._thread.join(timeout=JOIN_SECONDS)
                assert not race._thread.is_alive(), "the competing change never finished"
    assert race.fired, f"{target} was never called: the competing change never ran"
    if race.error is not None:
        raise race.error


def run_before(target: str, competing: Callable[[], Any], *, in_thread: bool = False):
    """Context manager: the first call to `target` (a dotted path to a module function or a
    class's method) runs `competing()` first. Yields a Race. See the module docstring."""
    return _hook(target, competing, before=True, in_thread=in_thread)


def run_after(target: str, competing: Callable[[], Any], *, in_thread: bool = False):
    """Context manager: the first call to `target` runs `competing()` once it has
    returned, before its caller goes on. Yields a Race. See the module docstring."""
    return _hook(target, competing, before=False, in_thread=in_thread)
