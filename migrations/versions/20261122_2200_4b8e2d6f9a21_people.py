"""people: recipients who sign in by email link, their identities, used link nonces, and
the awards they show on their public profile

Revision ID: 4b8e2d6f9a21
Revises: 3f2a9c1d7b10
Create Date: 2026-11-22 22:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '4b8e2d6f9a21'
down_revision = '3f2a9c1d7b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('profile_public', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('slug', name=op.f('uq_people_slug'))
    )
    op.create_table('person_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('verified_at', cairn.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_person_identities_identity_id_recipient_identities')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_identities_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_identities')),
    sa.UniqueConstraint('identity_id', name=op.f('uq_person_identities_identity_id'))
    )
    with op.batch_alter_table('person_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_identities_person_id'), ['person_id'], unique=False)

    op.create_table('used_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('used_at', cairn.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_used_tokens')),
    sa.UniqueConstraint('nonce', name=op.f('uq_used_tokens_nonce'))
    )
    with op.batch_alter_table('assertions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_on_profile', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('assertions', schema=None) as batch_op:
        batch_op.drop_column('shown_on_profile')

    op.drop_table('used_tokens')
    with op.batch_alter_table('person_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_identities_person_id'))

    op.drop_table('person_identities')
    op.drop_table('people')
