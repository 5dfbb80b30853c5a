"""nominations and their endorsements: each badge class's nomination policy, the
nominations (at most one open per person and badge class: a partial unique index), and
the validators' endorsements and objections, one per validator and nomination

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

OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_table('nomination_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('badge_class_id', sa.Integer(), nullable=False),
    sa.Column('validator_badge_class_id', sa.Integer(), nullable=False),
    sa.Column('min_endorsements', sa.Integer(), nullable=False),
    sa.Column('accepting', sa.Boolean(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['badge_class_id'], ['badge_classes.id'], name=op.f('fk_nomination_policies_badge_class_id_badge_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['validator_badge_class_id'], ['badge_classes.id'], name=op.f('fk_nomination_policies_validator_badge_class_id_badge_classes')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_nomination_policies_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nomination_policies')),
    sa.UniqueConstraint('badge_class_id', name=op.f('uq_nomination_policies_badge_class_id'))
    )
    with op.batch_alter_table('nomination_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_policies_validator_badge_class_id'), ['validator_badge_class_id'], unique=False)

    op.create_table('nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('badge_class_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('nominee_name', sa.String(length=200), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', cairn.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('withdrawn_at', cairn.db.UTCDateTime(), nullable=True),
    sa.Column('assertion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assertion_id'], ['assertions.id'], name=op.f('fk_nominations_assertion_id_assertions')),
    sa.ForeignKeyConstraint(['badge_class_id'], ['badge_classes.id'], name=op.f('fk_nominations_badge_class_id_badge_classes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_nominations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_nominations_identity_id_recipient_identities')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_nominations_nominated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominations')),
    sa.UniqueConstraint('public_id', name=op.f('uq_nominations_public_id'))
    )
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.create_index('ix_nominations_badge_class_id_created_at', ['badge_class_id', 'created_at'], unique=False)
        batch_op.create_index('ix_nominations_badge_class_id_decided_at', ['badge_class_id', 'decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_identity_id'), ['identity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_nominated_by_id'), ['nominated_by_id'], unique=False)
        batch_op.create_index('uq_nominations_open_badge_class_id_identity_id', ['badge_class_id', 'identity_id'], unique=True, sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table('nomination_endorsements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('validator_assertion_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('endorser_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('credential', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_nomination_endorsements_identity_id_recipient_identities')),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_nomination_endorsements_nomination_id_nominations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_nomination_endorsements_person_id_people')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nomination_endorsements_user_id_users')),
    sa.ForeignKeyConstraint(['validator_assertion_id'], ['assertions.id'], name=op.f('fk_nomination_endorsements_validator_assertion_id_assertions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nomination_endorsements')),
    sa.UniqueConstraint('nomination_id', 'person_id', name=op.f('uq_nomination_endorsements_nomination_id_person_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_nomination_endorsements_public_id'))
    )
    with op.batch_alter_table('nomination_endorsements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_endorsements_person_id'), ['person_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes too, on both databases.
    op.drop_table('nomination_endorsements')
    op.drop_table('nominations')
    op.drop_table('nomination_policies')
