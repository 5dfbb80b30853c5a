"""report memos: exact report figures kept with their watermarks, and the corrections
epoch that tells them apart from figures counted before a correction

Revision ID: c4d7e2f19a3b
Revises: a0e5b6c7d894
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = 'c4d7e2f19a3b'
down_revision = 'a0e5b6c7d894'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correction_epochs',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_epochs'))
    )
    op.create_table('report_memos',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('corrections', sa.BigInteger(), nullable=False),
    sa.Column('horizon', cairn.db.UTCDateTime(), nullable=True),
    sa.Column('computed_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', cairn.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_memos'))
    )
    with op.batch_alter_table('report_memos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_memos_used_at'), ['used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('report_memos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_memos_used_at'))

    op.drop_table('report_memos')
    op.drop_table('correction_epochs')
