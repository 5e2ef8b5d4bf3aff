"""the event cycle: contacts, event clock times and table names, deal owners

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("primary", sa.Boolean(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.org_id"]),
        sa.PrimaryKeyConstraint("contact_id"),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("start_time", sa.Text(), nullable=True))
        batch.add_column(sa.Column("slot_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("breaks", sa.Text(), nullable=True))
        batch.add_column(sa.Column("tables", sa.Text(), nullable=True))
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("owner", sa.Text(), nullable=True))
    # Deals imported before this revision have no history: give each its first entry.
    op.execute(
        "INSERT INTO deal_events (deal_id, at, actor, from_stage, to_stage, note) "
        "SELECT deal_id, COALESCE(updated_at, CURRENT_TIMESTAMP), 'import', NULL, stage, "
        "'imported' FROM deals WHERE deal_id NOT IN (SELECT deal_id FROM deal_events)"
    )


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("owner")
    with op.batch_alter_table("events") as batch:
        for name in ("tables", "breaks", "slot_minutes", "start_time"):
            batch.drop_column(name)
    op.drop_table("contacts")
