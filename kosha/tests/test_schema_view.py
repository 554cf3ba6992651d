"""The schema view under concurrent first requests in one process (gunicorn's threads).

drf-spectacular replaces each extension's dotted `target_class` by the class (or None) the
first time it is matched; a second request doing the same at that moment used to answer
500. The interleaving is fixed here: the first request stops inside the import of a
contrib extension's missing module (`dj_rest_auth`), and a second request runs until it
has resolved that extension itself or waits for the first to finish."""

import threading

from django.test import Client
from django.urls import path
from drf_spectacular import plumbing
from drf_spectacular.contrib.rest_auth import RestAuthLoginView
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

from kosha import schema_view

TARGET = "dj_rest_auth.views.LoginView"  # a contrib extension's target, not installed here
WAIT_SECONDS = 60  # a second request neither resolving nor waiting has hung: fail


class _WatchedLock:
    """The schema view's lock, telling when a second request waits for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.contended = threading.Event()

    def __enter__(self):
        if not self._lock.acquire(blocking=False):
            self.contended.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self._lock.release()


def test_two_first_schema_requests_at_once_both_answer_200(monkeypatch):
    # Given: the extension not yet resolved, as in a freshly started worker
    monkeypatch.setattr(RestAuthLoginView, "target_class", TARGET)
    lock = _WatchedLock()
    monkeypatch.setattr(schema_view, "generation_lock", lock)
    original_import = plumbing.import_string
    second: dict[str, int] = {}
    first_claimed = threading.Event()

    def second_request() -> None:
        second["status"] = Client().get("/api/schema/").status_code

    def import_string(dotted_path):
        if dotted_path != TARGET or first_claimed.is_set():
            return original_import(dotted_path)
        first_claimed.set()
        thread = threading.Thread(target=second_request)
        thread.start()
        # The second request resolves the extension (the first then reads what it
        # wrote), or it waits for the first; either way it has had its moment.
        for _ in range(WAIT_SECONDS * 100):
            if not isinstance(RestAuthLoginView.target_class, str) or lock.contended.is_set():
                break
            if not thread.is_alive():
                break  # it answered without either: the assertions below say how
            thread.join(timeout=0.01)
        else:
            raise AssertionError("the second request neither resolved the extension nor waited")
        second["thread"] = thread
        return original_import(dotted_path)

    monkeypatch.setattr(plumbing, "import_string", import_string)

    # When: the first request is generating when the second arrives
    first_status = Client().get("/api/schema/").status_code
    second.pop("thread").join(timeout=WAIT_SECONDS)

    # Then
    assert first_claimed.is_set(), "the first request never imported the extension's target"
    assert (first_status, second["status"]) == (200, 200)
    assert RestAuthLoginView.target_class is None


def _schema_paths(view) -> dict:
    generator = SchemaGenerator(patterns=[path("api/schema/", view.as_view())])
    return generator.get_schema(request=None, public=True)["paths"]


def test_the_schema_describes_its_own_view_as_drf_spectacular_does():
    # SERVE_INCLUDE_SCHEMA is off: drf-spectacular's view leaves itself out of the schema.
    assert _schema_paths(schema_view.SchemaView) == _schema_paths(SpectacularAPIView)
