"""pathways

Revision ID: 7b2d3f4e5a61
Revises: 6a1c2e3d4f50
Create Date: 2026-11-22 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '7b2d3f4e5a61'
down_revision = '6a1c2e3d4f50'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
