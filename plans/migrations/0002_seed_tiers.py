from django.db import migrations

GiB = 1024**3
TiB = 1024**4

TIERS = [
    # code, name, storage, max files, max file, versions kept, trash days, max share days, default, position
    ("free", "Free", 5 * GiB, 10_000, 2 * GiB, 10, 30, 30, True, 0),
    ("pro", "Pro", 200 * GiB, 500_000, 50 * GiB, 50, 90, 365, False, 1),
    ("max", "Max", 2 * TiB, 5_000_000, 5 * TiB, 100, 180, 3650, False, 2),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    for code, name, storage, max_files, max_file, versions, trash, share, default, position in TIERS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "storage_bytes": storage,
                "max_files": max_files,
                "max_file_bytes": max_file,
                "versions_kept": versions,
                "trash_days": trash,
                "max_share_days": share,
                "is_default": default,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
