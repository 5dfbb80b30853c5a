"""job parts' shard: pathway evaluation parts take over only parts of their own shard

Revision ID: f7a0b5c42d6e
Revises: e6f9a4b31c5d
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a0b5c42d6e'
down_revision = 'e6f9a4b31c5d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shard', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('job_parts', schema=None) as batch_op:
        batch_op.drop_column('shard')
