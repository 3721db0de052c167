"""Full-text search on SQLite (the demo): an FTS5 index of `search_text`, external content
(the text stays in ged_document only), kept right by triggers on every write, bulk ones
included. The unicode61 tokenizer folds case and accents (« ecole » finds « école »); FTS5
has no French stemmer, so `ged.search` asks for word prefixes instead.

A later migration that makes SQLite rebuild ged_document drops these triggers with the old
table: it must create them again (tests/ged/test_search.py fails without them)."""

from django.db import migrations

TABLE = "ged_document_fts"
CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
    "content='ged_document', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ai AFTER INSERT ON ged_document BEGIN "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_ad AFTER DELETE ON ged_document BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_au AFTER UPDATE OF search_text ON ged_document "
    f"BEGIN INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",  # the documents filed before
]
DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{t}" for t in ("ai", "ad", "au")] + [
    f"DROP TABLE IF EXISTS {TABLE}"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ged", "0003_department_and_mirror")]
    operations = [migrations.RunPython(create, drop)]
