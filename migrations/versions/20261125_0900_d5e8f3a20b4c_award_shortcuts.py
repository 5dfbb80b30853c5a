"""award shortcuts: badge classes know whether a milestone watches them, and issuers
which secret placed their status entries, so that an award needs neither lookup

Revision ID: d5e8f3a20b4c
Revises: c4d7e2f19a3b
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8f3a20b4c'
down_revision = 'c4d7e2f19a3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('badge_classes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watched_by_milestones', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    with op.batch_alter_table('issuers', schema=None) as batch_op:
        # None for issuers with entries already: which secret placed them is not known.
        batch_op.add_column(sa.Column('status_secret', sa.String(length=32), nullable=True))
    op.execute("""
        UPDATE badge_classes SET watched_by_milestones = EXISTS (
            SELECT 1 FROM milestone_triggers JOIN milestones
              ON milestones.id = milestone_triggers.milestone_id
            WHERE milestone_triggers.kind = 'badge'
              AND milestone_triggers.key = badge_classes.public_id
              AND milestones.archived_at IS NULL)
    """)


def downgrade():
    with op.batch_alter_table('issuers', schema=None) as batch_op:
        batch_op.drop_column('status_secret')
    with op.batch_alter_table('badge_classes', schema=None) as batch_op:
        batch_op.drop_column('watched_by_milestones')
