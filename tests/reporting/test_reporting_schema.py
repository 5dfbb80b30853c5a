"""The reporting migration makes exactly the reporting models' tables, on both databases
(tests/cairn/test_migrations.py checks the whole schema; this pins down ours)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cairn.db import db

TABLES = {"programs", "program_issuers", "objectives", "key_results", "manual_values"}


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is not None and table.name in TABLES


def test_the_reporting_tables_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": _ours})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    assert set(db.metadata.tables) >= TABLES
