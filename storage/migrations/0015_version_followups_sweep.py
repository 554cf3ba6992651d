from django.db import migrations, models

from kosha.schedules import schedules_register

SCHEDULES = [
    ("kosha: catch up SHA-1s and thumbnails", "storage.tasks.versions_followups_sweep_task", 5),
]


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0014_stars_and_recent_index"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="fileversion",
            name="followups_swept_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Written out (not storage.models.FOLLOWUPS_DUE): a migration keeps what it made.
        migrations.AddIndex(
            model_name="fileversion",
            index=models.Index(
                fields=["created_at"],
                condition=models.Q(followups_swept_at__isnull=True)
                & (
                    models.Q(sha1="")
                    | models.Q(
                        thumbnail_key="",
                        content_type__in=["image/gif", "image/jpeg", "image/png", "image/webp"],
                        size_bytes__lte=52428800,
                    )
                ),
                name="storage_version_followups_due",
            ),
        ),
        schedules_register(SCHEDULES),
    ]
