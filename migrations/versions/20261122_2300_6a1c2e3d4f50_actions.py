"""actions

Revision ID: 6a1c2e3d4f50
Revises: 5c1d0b7e3a42
Create Date: 2026-11-22 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '6a1c2e3d4f50'
down_revision = '5c1d0b7e3a42'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
