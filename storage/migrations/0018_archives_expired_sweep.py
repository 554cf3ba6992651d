from django.db import migrations, models

from kosha.schedules import schedules_register

SCHEDULES = [
    ("kosha: delete expired folder zips", "storage.tasks.archives_expired_delete_task", 60),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0017_prune_sweep"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="folderarchive",
            index=models.Index(fields=["expires_at"], name="storage_archive_expires"),
        ),
        schedules_register(SCHEDULES),
    ]
