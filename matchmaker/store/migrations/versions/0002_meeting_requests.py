"""meeting requests and do-not-meet marks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_requests',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('other_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.event_id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.org_id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['organizations.org_id'], ),
    sa.PrimaryKeyConstraint('event_id', 'org_id', 'other_id')
    )


def downgrade() -> None:
    op.drop_table('meeting_requests')
