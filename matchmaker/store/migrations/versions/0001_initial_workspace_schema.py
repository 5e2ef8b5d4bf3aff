"""initial workspace schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 12:11:37.867190
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('embeddings',
    sa.Column('model_id', sa.String(length=200), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('model_id', 'text_hash')
    )
    op.create_table('events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('chains', sa.Text(), nullable=True),
    sa.Column('venue', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('organizations',
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('name_zh', sa.Text(), nullable=True),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('local', sa.Boolean(), nullable=True),
    sa.Column('tier', sa.Text(), nullable=True),
    sa.Column('chains', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('website', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('segments',
    sa.Column('segment_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('chain', sa.Text(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('segment_id')
    )
    op.create_table('chain_links',
    sa.Column('upstream', sa.String(length=64), nullable=False),
    sa.Column('downstream', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['downstream'], ['segments.segment_id'], ),
    sa.ForeignKeyConstraint(['upstream'], ['segments.segment_id'], ),
    sa.PrimaryKeyConstraint('upstream', 'downstream')
    )
    op.create_table('deals',
    sa.Column('deal_id', sa.String(length=64), nullable=False),
    sa.Column('org_a', sa.String(length=64), nullable=False),
    sa.Column('org_b', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('value_cny', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.event_id'], ),
    sa.ForeignKeyConstraint(['org_a'], ['organizations.org_id'], ),
    sa.ForeignKeyConstraint(['org_b'], ['organizations.org_id'], ),
    sa.PrimaryKeyConstraint('deal_id')
    )
    op.create_table('items',
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('side', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('segment', sa.String(length=64), nullable=True),
    sa.Column('keywords', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.org_id'], ),
    sa.ForeignKeyConstraint(['segment'], ['segments.segment_id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )
    op.create_table('meetings',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('org_a', sa.String(length=64), nullable=False),
    sa.Column('org_b', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=True),
    sa.Column('table', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.event_id'], ),
    sa.ForeignKeyConstraint(['org_a'], ['organizations.org_id'], ),
    sa.ForeignKeyConstraint(['org_b'], ['organizations.org_id'], ),
    sa.PrimaryKeyConstraint('event_id', 'org_a', 'org_b')
    )
    op.create_table('participants',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.event_id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.org_id'], ),
    sa.PrimaryKeyConstraint('event_id', 'org_id')
    )
    op.create_table('relations',
    sa.Column('org_a', sa.String(length=64), nullable=False),
    sa.Column('org_b', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['org_a'], ['organizations.org_id'], ),
    sa.ForeignKeyConstraint(['org_b'], ['organizations.org_id'], ),
    sa.PrimaryKeyConstraint('org_a', 'org_b', 'kind')
    )
    op.create_table('deal_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('deal_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('from_stage', sa.Text(), nullable=True),
    sa.Column('to_stage', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('suggestion', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.deal_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_events_deal_id'), ['deal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_events_deal_id'))

    op.drop_table('deal_events')
    op.drop_table('relations')
    op.drop_table('participants')
    op.drop_table('meetings')
    op.drop_table('items')
    op.drop_table('deals')
    op.drop_table('chain_links')
    op.drop_table('segments')
    op.drop_table('organizations')
    op.drop_table('events')
    op.drop_table('embeddings')
