"""Events name whose space they happened in (`owner`), the item's name at the time and
the door (`via`); object_* become item_*. Every event so far was written by the owner
of its item (collaborators' and link visitors' actions were not recorded), so `owner`
is the actor, and the item's name was kept in detail["name"]."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def backfill(apps, schema_editor):
    ActivityEvent = apps.get_model("activity", "ActivityEvent")
    ActivityEvent.objects.filter(owner__isnull=True).update(owner=models.F("actor"))
    named = ActivityEvent.objects.filter(item_name="", detail__has_key="name").only("pk", "detail")
    pending = []
    for event in named.iterator(chunk_size=BATCH):
        event.item_name = str(event.detail.get("name") or "")[:255]
        pending.append(event)
        if len(pending) >= BATCH:
            ActivityEvent.objects.bulk_update(pending, ["item_name"])
            pending = []
    if pending:
        ActivityEvent.objects.bulk_update(pending, ["item_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0002_prune_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("activityevent", "object_type", "item_type"),
        migrations.RenameField("activityevent", "object_id", "item_id"),
        migrations.AddField(
            model_name="activityevent",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="activityevent",
            name="item_name",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="activityevent",
            name="via",
            field=models.CharField(
                blank=True,
                choices=[
                    ("web", "web"),
                    ("api", "api"),
                    ("link", "link"),
                    ("admin", "admin"),
                    ("task", "task"),
                    ("dav", "dav"),
                ],
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="activityevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Signed in"),
                    ("login_failed", "Failed sign-in"),
                    ("upload_completed", "Uploaded"),
                    ("download", "Downloaded"),
                    ("folder_created", "Created a folder"),
                    ("rename", "Renamed"),
                    ("move", "Moved"),
                    ("copy", "Copied"),
                    ("trash", "Moved to trash"),
                    ("restore", "Restored"),
                    ("purge", "Deleted forever"),
                    ("version_restored", "Restored a version"),
                    ("version_deleted", "Deleted a version"),
                    ("share_created", "Shared"),
                    ("share_changed", "Changed a share"),
                    ("share_revoked", "Stopped sharing"),
                    ("link_created", "Created a link"),
                    ("link_changed", "Changed a link"),
                    ("link_revoked", "Removed a link"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="activityevent",
            index=models.Index(fields=["owner", "-at", "-id"], name="activity_owner_at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
