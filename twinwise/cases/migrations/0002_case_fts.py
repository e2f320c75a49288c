# Full-text search over experience reports (ADR 0004, twinwise/cases/search.py).
#
# SQLite: an FTS5 table over the prose columns of cases_case (external content, so the text
# is stored once), kept in sync by triggers. PostgreSQL: a GIN index on the same weighted
# tsvector expression that cases.search builds with SearchVector ('simple' configuration).
# Each half runs only on its own database.
#
# Note for later migrations: on SQLite, Django rebuilds a table to alter it (create a new
# table, copy, drop the old one, rename). Dropping cases_case drops the triggers below, so
# a migration that rebuilds cases_case must run SQLITE_TRIGGERS again (and a 'rebuild').
# tests/cases/test_search.py fails if the triggers are missing.

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

SQLITE_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(
    title, counterpart_name, summary, demand, response, outcome, lessons,
    content='cases_case', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
)"""

# An external-content FTS5 table must be told the old text to forget ('delete' with the
# old values) before it learns the new one.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_insert AFTER INSERT ON cases_case BEGIN
        INSERT INTO cases_case_fts(
            rowid, title, counterpart_name, summary, demand, response, outcome, lessons)
        VALUES (new.id, new.title, new.counterpart_name, new.summary, new.demand,
            new.response, new.outcome, new.lessons);
    END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_delete AFTER DELETE ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts,
            rowid, title, counterpart_name, summary, demand, response, outcome, lessons)
        VALUES ('delete', old.id, old.title, old.counterpart_name, old.summary, old.demand,
            old.response, old.outcome, old.lessons);
    END""",
    """CREATE TRIGGER IF NOT EXISTS cases_case_fts_update AFTER UPDATE OF
            title, counterpart_name, summary, demand, response, outcome, lessons
        ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts,
            rowid, title, counterpart_name, summary, demand, response, outcome, lessons)
        VALUES ('delete', old.id, old.title, old.counterpart_name, old.summary, old.demand,
            old.response, old.outcome, old.lessons);
        INSERT INTO cases_case_fts(
            rowid, title, counterpart_name, summary, demand, response, outcome, lessons)
        VALUES (new.id, new.title, new.counterpart_name, new.summary, new.demand,
            new.response, new.outcome, new.lessons);
    END""",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS cases_case_fts_insert",
    "DROP TRIGGER IF EXISTS cases_case_fts_delete",
    "DROP TRIGGER IF EXISTS cases_case_fts_update",
    "DROP TABLE IF EXISTS cases_case_fts",
)

PG_INDEX_NAME = "cases_case_search_gin"


def pg_vector():
    """The same expression as twinwise.cases.search.pg_vector(); the index is used only while
    the two stay identical (a PostgreSQL test checks that the planner uses the index)."""
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector("counterpart_name", weight="B", config="simple")
        + SearchVector(
            "summary", "demand", "response", "outcome", "lessons", weight="C", config="simple"
        )
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
        schema_editor.execute("INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')")
    elif vendor == "postgresql":
        case = apps.get_model("cases", "Case")
        schema_editor.add_index(case, GinIndex(pg_vector(), name=PG_INDEX_NAME))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{PG_INDEX_NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
