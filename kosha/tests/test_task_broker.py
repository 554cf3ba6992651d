"""kosha.task_broker: a thread enqueues through one broker (one client, one connection
pool), not a new one per task; another thread gets its own."""

import threading

from django_q.brokers import Broker

from kosha.task_broker import task_broker


def test_a_thread_keeps_its_broker_and_another_thread_makes_its_own():
    first, again = task_broker(), task_broker()
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(task_broker()))
    thread.start()
    thread.join()

    assert isinstance(first, Broker)
    assert again is first
    assert elsewhere[0] is not first and isinstance(elsewhere[0], Broker)
