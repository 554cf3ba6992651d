"""The recurring jobs the migrations register (kosha.schedules): each names a function the
worker can import and call with no arguments, so a typo or a renamed task never leaves a
sweep silently failing every run."""

import inspect

import pytest
from django.utils.module_loading import import_string
from django_q.models import Schedule


@pytest.mark.django_db
def test_every_registered_schedule_names_a_task_callable_without_arguments():
    functions = set(Schedule.objects.values_list("func", flat=True))

    assert "storage.tasks.archives_expired_delete_task" in functions
    for name in sorted(functions):
        task = import_string(name)
        assert callable(task), name
        required = [
            parameter
            for parameter in inspect.signature(task).parameters.values()
            if parameter.default is inspect.Parameter.empty
            and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]
        assert not required, f"{name} needs {required}"
