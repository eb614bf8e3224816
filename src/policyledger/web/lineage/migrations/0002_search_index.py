"""Full-text search over SearchText: an FTS5 trigram table on SQLite (Chinese without word
segmentation), a pg_trgm GIN index on PostgreSQL (serves ILIKE '%…%')."""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS lineage_fts USING fts5(text, tokenize='trigram')"
        )
    elif vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS lineage_searchtext_trgm "
            "ON lineage_searchtext USING gin (text gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS lineage_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lineage_searchtext_trgm")


class Migration(migrations.Migration):
    dependencies = [("lineage", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
