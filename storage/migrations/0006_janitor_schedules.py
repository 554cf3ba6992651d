from django.db import migrations

SCHEDULES = [
    # name, function, schedule type (D: daily)
    ("kosha: sweep orphaned objects", "storage.tasks.orphan_sweep_task", "D"),
    ("kosha: reconcile usage counters", "storage.tasks.usage_reconcile_task", "D"),
]


def register(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": schedule_type, "repeats": -1}
        )


def unregister(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0005_search_trigram"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(register, unregister)]
