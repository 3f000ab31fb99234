"""The full-text structure of each backend: an FTS5 table on SQLite, a tsvector table with a GIN
index on PostgreSQL. Both hold text already segmented into space-separated words."""

from typing import Any

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS search_fts"
POSTGRES_CREATE = [
    "CREATE TABLE search_vector ("
    # No foreign key: Django's flush (tests) truncates the entries, and PostgreSQL refuses to
    # truncate a table another one references. The index deletes both rows itself.
    " entry_id bigint PRIMARY KEY,"
    " vector tsvector NOT NULL,"
    # The title's words again, on their own: a weight-restricted query on `vector` would make
    # PostgreSQL re-read every matching vector out of TOAST.
    " title tsvector NOT NULL DEFAULT '')",
    "CREATE INDEX search_vector_gin ON search_vector USING gin (vector)",
    "CREATE INDEX search_vector_title_gin ON search_vector USING gin (title)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS search_vector"]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        for statement in POSTGRES_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
