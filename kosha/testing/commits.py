"""`committed()`: run a block's after-commit work when it ends, as its own commit would.

A `db` test runs inside one transaction that never commits, so what a change schedules
with `transaction.on_commit` (the notices, e-mail, follow-up tasks) never runs unless the
test says so. Django's `captureOnCommitCallbacks(execute=True)` runs them but leaves them
pending, so an enclosing capture would run them a second time; `committed()` runs them and
drops them, like a commit. Outside a transaction (live-server tests) they already ran.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def committed(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the on-commit callbacks the block registers when it ends without error (and the
    ones those register), then forget them. A callback's error is raised, robust or not:
    in a test's setup it is a defect to see, not to log."""
    connection = connections[using]
    start = len(connection.run_on_commit)
    yield
    while len(connection.run_on_commit) > start:
        pending = connection.run_on_commit[start:]
        del connection.run_on_commit[start:]
        for _savepoints, callback, _robust in pending:
            callback()
