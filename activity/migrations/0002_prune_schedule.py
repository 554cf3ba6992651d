from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    # name, function, schedule type (D: daily)
    ("kosha: prune old activity", "activity.tasks.activity_prune_task", "D"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [schedules_register(SCHEDULES)]
