"""pathways: pathways, their milestones, the versions of each milestone's rule, what each
rule depends on (triggers), and the milestone awards, unique per (milestone, identity)

Revision ID: 7b2d3f4e5a61
Revises: 6a1c2e3d4f50
Create Date: 2026-11-22 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import cairn.db


# revision identifiers, used by Alembic.
revision = '7b2d3f4e5a61'
down_revision = '6a1c2e3d4f50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pathways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pathways_created_by_id_users')),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], name=op.f('fk_pathways_issuer_id_issuers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathways')),
    sa.UniqueConstraint('public_id', name=op.f('uq_pathways_public_id'))
    )
    with op.batch_alter_table('pathways', schema=None) as batch_op:
        batch_op.create_index('ix_pathways_issuer_id_id', ['issuer_id', 'id'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('badge_class_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', cairn.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['badge_class_id'], ['badge_classes.id'], name=op.f('fk_milestones_badge_class_id_badge_classes')),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathways.id'], name=op.f('fk_milestones_pathway_id_pathways'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('pathway_id', 'key', name=op.f('uq_milestones_pathway_id_key')),
    sa.UniqueConstraint('public_id', name=op.f('uq_milestones_public_id'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_badge_class_id'), ['badge_class_id'], unique=False)

    op.create_table('milestone_triggers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_milestone_triggers_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_triggers')),
    sa.UniqueConstraint('milestone_id', 'kind', 'key', name=op.f('uq_milestone_triggers_milestone_id_kind_key'))
    )
    with op.batch_alter_table('milestone_triggers', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_triggers_kind_key', ['kind', 'key'], unique=False)

    op.create_table('rule_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rule_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_rule_versions_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_versions')),
    sa.UniqueConstraint('milestone_id', 'version', name=op.f('uq_rule_versions_milestone_id_version'))
    )
    op.create_table('milestone_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('identity_id', sa.Integer(), nullable=False),
    sa.Column('assertion_id', sa.Integer(), nullable=True),
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('action_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', cairn.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assertion_id'], ['assertions.id'], name=op.f('fk_milestone_awards_assertion_id_assertions')),
    sa.ForeignKeyConstraint(['identity_id'], ['recipient_identities.id'], name=op.f('fk_milestone_awards_identity_id_recipient_identities')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_milestone_awards_milestone_id_milestones'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_version_id'], ['rule_versions.id'], name=op.f('fk_milestone_awards_rule_version_id_rule_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_awards')),
    sa.UniqueConstraint('milestone_id', 'identity_id', name=op.f('uq_milestone_awards_milestone_id_identity_id'))
    )
    with op.batch_alter_table('milestone_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_awards_assertion_id'), ['assertion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_awards_identity_id'), ['identity_id'], unique=False)


def downgrade():
    with op.batch_alter_table('milestone_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_awards_identity_id'))
        batch_op.drop_index(batch_op.f('ix_milestone_awards_assertion_id'))

    op.drop_table('milestone_awards')
    op.drop_table('rule_versions')
    with op.batch_alter_table('milestone_triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_triggers_kind_key')

    op.drop_table('milestone_triggers')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_badge_class_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('pathways', schema=None) as batch_op:
        batch_op.drop_index('ix_pathways_issuer_id_id')

    op.drop_table('pathways')
