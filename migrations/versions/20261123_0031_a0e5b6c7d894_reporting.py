"""reporting: programs (one issuer or a group, one time zone), their objectives and key
results, and the values recorded by hand for manual key results

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
    # Reports over every action type in a window read actions by time alone.
    op.create_index('ix_actions_occurred_at', 'actions', ['occurred_at'])
    op.create_table('programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('action_types', sa.JSON(), nullable=False),
    sa.Column('own_issuer_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programs_created_by_id_users')),
    sa.ForeignKeyConstraint(['own_issuer_id'], ['issuers.id'], name=op.f('fk_programs_own_issuer_id_issuers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs')),
    sa.UniqueConstraint('own_issuer_id', name=op.f('uq_programs_own_issuer_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_programs_public_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_programs_slug'))
    )
    op.create_table('program_issuers',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], name=op.f('fk_program_issuers_issuer_id_issuers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_issuers_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('program_id', 'issuer_id', name=op.f('pk_program_issuers'))
    )
    with op.batch_alter_table('program_issuers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_issuers_issuer_id'), ['issuer_id'], unique=False)

    op.create_table('objectives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_objectives_created_by_id_users')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_objectives_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objectives')),
    sa.UniqueConstraint('public_id', name=op.f('uq_objectives_public_id'))
    )
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.create_index('ix_objectives_program_id_id', ['program_id', 'id'], unique=False)

    op.create_table('key_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('target', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('metric', sa.JSON(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'], name=op.f('fk_key_results_objective_id_objectives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_results')),
    sa.UniqueConstraint('public_id', name=op.f('uq_key_results_public_id'))
    )
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.create_index('ix_key_results_objective_id_position', ['objective_id', 'position'], unique=False)

    op.create_table('manual_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('key_result_id', sa.Integer(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['key_result_id'], ['key_results.id'], name=op.f('fk_manual_values_key_result_id_key_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_manual_values_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manual_values')),
    sa.UniqueConstraint('public_id', name=op.f('uq_manual_values_public_id'))
    )
    with op.batch_alter_table('manual_values', schema=None) as batch_op:
        batch_op.create_index('ix_manual_values_key_result_id_recorded_on', ['key_result_id', 'recorded_on'], unique=False)


def downgrade():
    op.drop_index('ix_actions_occurred_at', table_name='actions')
    with op.batch_alter_table('manual_values', schema=None) as batch_op:
        batch_op.drop_index('ix_manual_values_key_result_id_recorded_on')

    op.drop_table('manual_values')
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.drop_index('ix_key_results_objective_id_position')

    op.drop_table('key_results')
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.drop_index('ix_objectives_program_id_id')

    op.drop_table('objectives')
    with op.batch_alter_table('program_issuers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_issuers_issuer_id'))

    op.drop_table('program_issuers')
    op.drop_table('programs')
