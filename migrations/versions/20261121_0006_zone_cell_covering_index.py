"""A covering index for heatmap reads: a borough's cells of one size and kind, index-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 12:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ['pupil_map_id', 'school_id', 'term', 'year_group', 'reasons', 'times']


def upgrade() -> None:
    op.drop_index('ix_zone_cell_read', table_name='zone_cell')
    op.create_index('ix_zone_cell_read', 'zone_cell',
                    ['borough_id', 'resolution', 'kind', 'i', 'j'],
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index('ix_zone_cell_read', table_name='zone_cell')
    op.create_index('ix_zone_cell_read', 'zone_cell', ['borough_id', 'resolution', 'term'])
