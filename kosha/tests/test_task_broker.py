"""kosha.task_broker: a thread enqueues through one broker (one client, one connection
pool), not a new one per task; another thread gets its own."""

import threading

import pytest
from django.db import connections
from django_q.brokers import Broker

from kosha.task_broker import task_broker


def _broker_in_a_thread(elsewhere: list) -> None:
    try:
        elsewhere.append(task_broker())
    finally:
        connections.close_all()  # the ORM broker's, opened in this thread (the test database's DROP waits for none)


# Without REDIS_URL the broker is django-q's ORM broker, which asks the database for its
# autocommit state when it is made.
@pytest.mark.django_db
def test_a_thread_keeps_its_broker_and_another_thread_makes_its_own():
    first, again = task_broker(), task_broker()
    elsewhere = []
    thread = threading.Thread(target=_broker_in_a_thread, args=(elsewhere,))
    thread.start()
    thread.join()

    assert isinstance(first, Broker)
    assert again is first
    assert elsewhere[0] is not first and isinstance(elsewhere[0], Broker)
