from django.db import migrations

from kosha.schedules import schedules_register

SCHEDULES = [
    # name, function, minutes between runs
    ("kosha: purge expired trash", "storage.tasks.trash_purge_task", 60),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0003_trash_thumbnails_archives_indexes"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [schedules_register(SCHEDULES)]
