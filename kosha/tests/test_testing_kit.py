"""The test kit itself: the race hooks run the competing change exactly once at the named
moment and refuse to pass silently; the link factory makes each state it names."""

import pytest

from kosha.testing import factories
from kosha.testing.races import run_after, run_before
from sharing.models import ShareLink

calls: list[str] = []


def target(label: str) -> str:
    calls.append(label)
    return label


TARGET = f"{__name__}.target"


@pytest.fixture(autouse=True)
def no_calls_yet():
    calls.clear()


def test_run_before_runs_the_competing_change_once_before_the_first_call():
    with run_before(TARGET, lambda: calls.append("competing") or "done") as race:
        target("first")
        target("second")

    assert calls == ["competing", "first", "second"]
    assert race.result == "done"


def test_run_after_runs_the_competing_change_once_after_the_first_call():
    with run_after(TARGET, lambda: target("competing")) as race:
        target("first")

    assert calls == ["first", "competing"]
    assert race.result == "competing"


def test_a_hook_that_never_fires_fails():
    with pytest.raises(AssertionError, match="never called"):
        with run_before(TARGET, lambda: None):
            pass


def test_an_error_of_the_competing_change_is_raised_when_the_block_ends():
    def failing():
        raise LookupError("competing failed")

    with pytest.raises(LookupError, match="competing failed"):
        with run_before(TARGET, failing):
            target("first")

    assert calls == ["first"]  # the patched call itself still ran


@pytest.mark.django_db
@pytest.mark.parametrize("state", factories.LINK_STATES)
def test_the_link_factory_makes_each_state(local_settings, owner, state):
    link, _token = factories.link(owner, factories.folder(owner, "Shared"), state)

    row = ShareLink.objects.get(pk=link.pk)
    assert row.is_expired() == (state == "expired")
    assert (row.revoked_at is not None) == (state == "revoked")
    assert row.is_exhausted == (state == "exhausted")
    assert row.has_password == (state == "locked")
