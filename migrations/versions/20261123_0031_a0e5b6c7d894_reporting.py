"""reporting: objectives, key results and manual values

Revision ID: a0e5b6c7d894
Revises: 9d4f5a6b7c83
Create Date: 2026-11-23 00:31:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = 'a0e5b6c7d894'
down_revision = '9d4f5a6b7c83'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
