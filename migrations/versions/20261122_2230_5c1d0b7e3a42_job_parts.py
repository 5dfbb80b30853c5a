"""job parts: a job's items in slices that run in parallel and resume one by one

Revision ID: 5c1d0b7e3a42
Revises: 4b8e2d6f9a21
Create Date: 2026-11-22 22:30:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '5c1d0b7e3a42'
down_revision = '4b8e2d6f9a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('stop', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_parts_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_parts')),
    sa.UniqueConstraint('job_id', 'number', name=op.f('uq_job_parts_job_id_number'))
    )


def downgrade():
    op.drop_table('job_parts')
