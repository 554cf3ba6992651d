"""A transaction the database gives up for another's sake (a deadlock victim, a
serialization failure, SQLite's lock timeout) answers 503 with Retry-After, never a 500:
nothing was changed and the same request can succeed (kosha.api.database_busy)."""

import sqlite3
import threading
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import OperationalError, transaction
from django.db.utils import DatabaseErrorWrapper

from kosha.api import database_busy
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.races import run_concurrently
from plans.models import Usage


def _deadlock_error() -> OperationalError:
    """A real deadlock on PostgreSQL: two transactions lock two Usage rows in opposite
    orders; PostgreSQL aborts one of them. Returns the victim's error."""
    first, second = factories.user("first"), factories.user("second")
    both_hold_one = threading.Barrier(2)

    def work(index: int) -> None:
        order = [first.pk, second.pk] if index == 0 else [second.pk, first.pk]
        with transaction.atomic():
            Usage.objects.select_for_update().get(pk=order[0])
            both_hold_one.wait(timeout=30)
            Usage.objects.select_for_update().get(pk=order[1])

    results = run_concurrently(2, work)
    errors = [result for result in results if isinstance(result, Exception)]
    assert len(errors) == 1, results  # PostgreSQL aborts exactly one of the two
    return errors[0]


def _as_django_wraps_sqlite() -> DatabaseErrorWrapper:
    """Django's own wrapper of a driver's errors, as the SQLite backend's cursor uses it
    (its `Database` is the sqlite3 module), whichever database this run uses."""
    return DatabaseErrorWrapper(SimpleNamespace(Database=sqlite3, errors_occurred=False))


def _sqlite_error(tmp_path, sql: str) -> OperationalError:
    """sqlite3's error for `sql` run while another connection holds the write lock,
    wrapped as Django's cursor wraps it."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with _as_django_wraps_sqlite():
            other.execute(sql)
    except OperationalError as exc:
        return exc
    finally:
        holder.rollback()
        holder.close()
        other.close()
    raise AssertionError(f"{sql!r} did not fail")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_answers_503_with_retry_after_not_500():
    error = _deadlock_error()
    assert error.__cause__.sqlstate == "40P01"
    assert database_busy(error)
    owner = factories.user("owner")

    with mock.patch("plans.api.views.usage_summary_for_user", side_effect=error):
        response = api_as(owner).get("/api/v1/usage/")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    body = response.json()["error"]
    assert body["code"] == "database_busy"
    assert "nothing was changed" in body["message"]


@pytest.mark.django_db
def test_sqlites_lock_timeout_answers_503(tmp_path):
    error = _sqlite_error(tmp_path, "BEGIN IMMEDIATE")
    assert str(error) == "database is locked"
    assert database_busy(error)
    owner = factories.user("owner")

    with mock.patch("plans.api.views.usage_summary_for_user", side_effect=error):
        response = api_as(owner).get("/api/v1/usage/")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_busy"


def test_other_operational_errors_are_not_retryable(tmp_path):
    path = tmp_path / "plain.sqlite3"
    plain = sqlite3.connect(path)
    try:
        with _as_django_wraps_sqlite():
            plain.execute("SELECT * FROM no_such_table")
    except OperationalError as exc:
        assert not database_busy(exc)  # a bug, not contention: it stays a 500 and is logged
    else:
        raise AssertionError("the query did not fail")
    finally:
        plain.close()
    assert not database_busy(ValueError("database is locked"))
