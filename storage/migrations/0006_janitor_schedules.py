from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    # name, function, schedule type (D: daily)
    ("kosha: sweep orphaned objects", "storage.tasks.orphan_sweep_task", "D"),
    ("kosha: reconcile usage counters", "storage.tasks.usage_reconcile_task", "D"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0005_search_trigram"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [schedules_register(SCHEDULES)]
