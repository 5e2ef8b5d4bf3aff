"""security: credential generation and sign-in lockout on accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 06:45:00

``users.generation`` is raised by every password reset, disable, enable and role change:
a session remembers the generation it was started at and ends when it differs.
``users.failed_logins`` counts wrong passwords in a row and ``users.locked_until`` holds the
end of a lockout (setting ``lockout_failures``, ``lockout_minutes``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("generation")
