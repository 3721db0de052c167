"""The full-text index on PostgreSQL: a GIN index over the French tsvector of `search_text`,
the very expression `ged.search` queries (so the planner uses it). SQLite has none (the
search falls back to a substring match there)."""

from django.db import migrations

INDEX = "ged_document_fts_fr"
CREATE = (f"CREATE INDEX IF NOT EXISTS {INDEX} ON ged_document USING gin "
          "(to_tsvector('french'::regconfig, COALESCE((search_text)::text, '')))")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("ged", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
