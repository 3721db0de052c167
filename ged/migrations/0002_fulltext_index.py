"""Full-text search on PostgreSQL: a stored generated column `search_vector`, the French
tsvector of `search_text`, with a GIN index. Stored, so that ranking reads it instead of
parsing every matching text again; generated, so that every write (bulk ones included) keeps
it right. The model does not declare it (SQLite has none: the search falls back to a
substring match there); `ged.search` reads it by name."""

from django.db import migrations

INDEX = "ged_document_fts_fr"
CREATE = [
    "ALTER TABLE ged_document ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS "
    "AS (to_tsvector('french'::regconfig, COALESCE(search_text, ''))) STORED",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON ged_document USING gin (search_vector)",
]
DROP = [f"DROP INDEX IF EXISTS {INDEX}",
        "ALTER TABLE ged_document DROP COLUMN IF EXISTS search_vector"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ged", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
