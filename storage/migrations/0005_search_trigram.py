"""Trigram indexes for typo-tolerant name search (storage/search.py), PostgreSQL only.

GIN over (owner_id, name gin_trgm_ops) serves pg_trgm's `query <% name` word-similarity
operator for one owner, so a search reads only that user's index entries instead of
every user's matching names (btree_gin provides the uuid column's GIN operator class;
measured in BENCHMARKS.md: the index step fell from ~30 ms to ~2 ms on 1.1 M rows).
Partial on live rows: search never reads the trash. Other databases (the embedded SQLite) search by substring and need nothing.
pg_trgm and btree_gin are trusted extensions (PostgreSQL 13+), so the database owner may create it.
"""

from django.db import migrations

INDEXES = (
    ("storage_file_name_trgm", "storage_file"),
    ("storage_folder_name_trgm", "storage_folder"),
)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gin (owner_id, name gin_trgm_ops) WHERE deleted_at IS NULL"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other schemas may use it, and keeping it is harmless.
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0004_trash_purge_schedule"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
