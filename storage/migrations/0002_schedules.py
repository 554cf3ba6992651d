from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    # name, function, minutes between runs
    ("kosha: expire stale uploads", "storage.tasks.upload_sweep_task", 5),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [schedules_register(SCHEDULES)]
