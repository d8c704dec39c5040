"""Idempotency keys keep the hour a map arrived, not the second (like the map itself).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column('submission_key', 'created_at',
                    server_default=sa.text("date_trunc('hour', now())"))
    op.execute("UPDATE submission_key SET created_at = date_trunc('hour', created_at)")


def downgrade() -> None:
    op.alter_column('submission_key', 'created_at', server_default=sa.text('now()'))
