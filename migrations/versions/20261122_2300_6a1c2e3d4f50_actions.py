"""actions: action types, the sources that sign webhooks, external handles of people, and
the actions themselves (idempotent by source and id; a retraction points at what it withdraws)

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
    op.create_table('action_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('properties_schema', sa.JSON(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_types')),
    sa.UniqueConstraint('key', name=op.f('uq_action_types_key'))
    )
    op.create_table('action_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_sources')),
    sa.UniqueConstraint('key', name=op.f('uq_action_sources_key'))
    )
    op.create_table('person_handles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_person_handles_identity_id_recipient_identities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_handles')),
    sa.UniqueConstraint('handle', name=op.f('uq_person_handles_handle'))
    )
    with op.batch_alter_table('person_handles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_handles_identity_id'), ['identity_id'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('action_type_id', sa.Integer(), nullable=True),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('retracts_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_type_id'], ['action_types.id'], name=op.f('fk_actions_action_type_id_action_types')),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_actions_identity_id_recipient_identities')),
    sa.ForeignKeyConstraint(['retracts_id'], ['actions.id'], name=op.f('fk_actions_retracts_id_actions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_actions_public_id')),
    sa.UniqueConstraint('retracts_id', name=op.f('uq_actions_retracts_id')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_actions_source_external_id'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_identity_type_time', ['identity_id', 'action_type_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_actions_type_time', ['action_type_id', 'occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_type_time')
        batch_op.drop_index('ix_actions_identity_type_time')

    op.drop_table('actions')
    with op.batch_alter_table('person_handles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_handles_identity_id'))

    op.drop_table('person_handles')
    op.drop_table('action_sources')
    op.drop_table('action_types')
