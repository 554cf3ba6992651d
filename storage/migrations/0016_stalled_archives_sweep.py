from django.db import migrations, models

from kosha.schedules import schedules_register

SCHEDULES = [
    ("kosha: fail stalled folder zips", "storage.tasks.archives_stalled_fail_task", 5),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0015_version_followups_sweep"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="folderarchive",
            index=models.Index(
                fields=["created_at"], condition=models.Q(status="pending"), name="storage_archive_pending"
            ),
        ),
        schedules_register(SCHEDULES),
    ]
