"""Printed haven maps: each school's walking radius and the fingerprint of its last export.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('school_haven_map',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('radius_m', sa.SmallInteger(), nullable=True),
    sa.Column('exported_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('radius_m IS NULL OR radius_m BETWEEN 300 AND 3000', name=op.f('ck_school_haven_map_radius_m')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_haven_map_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_school_haven_map'))
    )
    op.create_index(op.f('ix_school_haven_map_borough_id'), 'school_haven_map', ['borough_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_school_haven_map_borough_id'), table_name='school_haven_map')
    op.drop_table('school_haven_map')
