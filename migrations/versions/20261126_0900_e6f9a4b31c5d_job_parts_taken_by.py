"""job parts taken over: a pathway evaluation part may run other queued parts with its own

Revision ID: e6f9a4b31c5d
Revises: d5e8f3a20b4c
Create Date: 2026-11-26 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6f9a4b31c5d'
down_revision = 'd5e8f3a20b4c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_parts_taken_by_id'), ['taken_by_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_job_parts_taken_by_id_job_parts'),
                                    'job_parts', ['taken_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('job_parts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_parts_taken_by_id_job_parts'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_job_parts_taken_by_id'))
        batch_op.drop_column('taken_by_id')
