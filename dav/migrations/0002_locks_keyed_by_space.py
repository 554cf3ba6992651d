import uuid

from django.db import migrations, models


def drop_view_path_locks(apps, schema_editor):
    # Locks stored under the old per-user view paths cannot be placed in a space; they
    # are short-lived (clients refresh or take them again), so they go.
    apps.get_model("dav", "DavLock").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dav", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_view_path_locks, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="davlock", name="dav_lock_user_root"),
        migrations.AddField(
            model_name="davlock",
            name="space",
            field=models.UUIDField(default=uuid.UUID(int=0)),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="davlock",
            index=models.Index(fields=["space", "root"], name="dav_lock_space_root"),
        ),
    ]
