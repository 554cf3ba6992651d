"""Recurring django-q2 jobs are registered by migrations, idempotently, through this one
helper: `schedules_register(...)` returns the RunPython operation a migration lists.

Each schedule is (name, dotted function, minutes between runs) or (name, function, "D")
for daily. The name is the key: running the migration again updates, never duplicates.
"""

from django.db import migrations


def _defaults(func: str, every) -> dict:
    if every == "D":
        return {"func": func, "schedule_type": "D", "repeats": -1}
    return {"func": func, "schedule_type": "I", "minutes": every, "repeats": -1}


def schedules_register(schedules: list[tuple[str, str, int | str]]) -> migrations.RunPython:
    def register(apps, schema_editor):
        Schedule = apps.get_model("django_q", "Schedule")
        for name, func, every in schedules:
            Schedule.objects.update_or_create(name=name, defaults=_defaults(func, every))

    def unregister(apps, schema_editor):
        Schedule = apps.get_model("django_q", "Schedule")
        Schedule.objects.filter(name__in=[name for name, _, _ in schedules]).delete()

    return migrations.RunPython(register, unregister)
