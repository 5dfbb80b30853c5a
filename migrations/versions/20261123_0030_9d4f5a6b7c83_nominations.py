"""nominations and their endorsements

Revision ID: 9d4f5a6b7c83
Revises: 8c3e4a5f6b72
Create Date: 2026-11-23 00:30:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '9d4f5a6b7c83'
down_revision = '8c3e4a5f6b72'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
