from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    ("kosha: prune versions over the plan", "storage.tasks.files_prune_sweep_task", "D"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0016_stalled_archives_sweep"),
    ]

    operations = [schedules_register(SCHEDULES)]
