"""webhooks

Revision ID: 8c3e4a5f6b72
Revises: 7b2d3f4e5a61
Create Date: 2026-11-22 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '8c3e4a5f6b72'
down_revision = '7b2d3f4e5a61'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
