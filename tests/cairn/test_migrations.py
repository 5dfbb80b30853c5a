"""`flask db upgrade` from empty gives exactly the models' schema, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cairn.db import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
