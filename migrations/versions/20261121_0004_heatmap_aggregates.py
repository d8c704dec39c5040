"""Heatmap aggregates: the hexagons each zone marks and each session covers; terms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:20:08.518550
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Autumn Sep-Dec, spring Jan-Mar, summer Apr-Aug (as mapping.terms.term_of).
TERM_OF = """
    UPDATE {table} SET term = extract(year FROM {moment} AT TIME ZONE 'Europe/London')::int || '-' ||
        CASE WHEN extract(month FROM {moment} AT TIME ZONE 'Europe/London') >= 9 THEN 'autumn'
             WHEN extract(month FROM {moment} AT TIME ZONE 'Europe/London') <= 3 THEN 'spring'
             ELSE 'summer' END
"""


def upgrade() -> None:
    op.create_table('session_cell',
    sa.Column('resolution', sa.SmallInteger(), nullable=False),
    sa.Column('i', sa.Integer(), nullable=False),
    sa.Column('j', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mapping_session.id'], name=op.f('fk_session_cell_session_id_mapping_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resolution', 'i', 'j', 'session_id', name=op.f('pk_session_cell'))
    )
    op.create_index('ix_session_cell_read', 'session_cell', ['borough_id', 'resolution', 'term'], unique=False)
    op.create_index(op.f('ix_session_cell_session_id'), 'session_cell', ['session_id'], unique=False)
    op.create_table('zone_cell',
    sa.Column('resolution', sa.SmallInteger(), nullable=False),
    sa.Column('i', sa.Integer(), nullable=False),
    sa.Column('j', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('pupil_map_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=12), nullable=False),
    sa.Column('year_group', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('reasons', postgresql.ARRAY(sa.String(length=24)), nullable=False),
    sa.Column('times', postgresql.ARRAY(sa.String(length=24)), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], name=op.f('fk_zone_cell_zone_id_zone'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resolution', 'i', 'j', 'zone_id', name=op.f('pk_zone_cell'))
    )
    op.create_index('ix_zone_cell_read', 'zone_cell', ['borough_id', 'resolution', 'term'], unique=False)
    op.create_index(op.f('ix_zone_cell_zone_id'), 'zone_cell', ['zone_id'], unique=False)
    op.add_column('mapping_session', sa.Column('term', sa.String(length=12), nullable=True))
    op.execute(TERM_OF.format(table="mapping_session", moment="opens_at"))
    op.alter_column('mapping_session', 'term', nullable=False)
    op.create_index(op.f('ix_mapping_session_term'), 'mapping_session', ['term'], unique=False)
    op.add_column('pupil_map', sa.Column('term', sa.String(length=12), nullable=True))
    op.execute("UPDATE pupil_map m SET term = s.term FROM mapping_session s "
               "WHERE s.id = m.session_id")
    op.alter_column('pupil_map', 'term', nullable=False)


def downgrade() -> None:
    op.drop_column('pupil_map', 'term')
    op.drop_index(op.f('ix_mapping_session_term'), table_name='mapping_session')
    op.drop_column('mapping_session', 'term')
    op.drop_index(op.f('ix_zone_cell_zone_id'), table_name='zone_cell')
    op.drop_index('ix_zone_cell_read', table_name='zone_cell')
    op.drop_table('zone_cell')
    op.drop_index(op.f('ix_session_cell_session_id'), table_name='session_cell')
    op.drop_index('ix_session_cell_read', table_name='session_cell')
    op.drop_table('session_cell')
