"""Heatmaps kept after the retention purge: a term's published answers, not its maps.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _of_kept_term(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['borough_id', 'term'],
                                   ['kept_term.borough_id', 'kept_term.term'],
                                   name=f'fk_{name}_borough_id_kept_term', ondelete='CASCADE')


def upgrade() -> None:
    op.create_table(
        'kept_term',
        sa.Column('borough_id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=12), nullable=False),
        sa.Column('kept_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('rule', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(['borough_id'], ['borough.id'],
                                name=op.f('fk_kept_term_borough_id_borough'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('borough_id', 'term', name=op.f('pk_kept_term')))
    op.create_table(
        'kept_heat_answer',
        sa.Column('borough_id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=12), nullable=False),
        sa.Column('resolution', sa.SmallInteger(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('weighting', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('time', sa.String(length=24), nullable=False),
        sa.Column('years', sa.String(length=16), nullable=False),
        sa.Column('cells', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _of_kept_term('kept_heat_answer'),
        sa.PrimaryKeyConstraint('borough_id', 'term', 'resolution', 'kind', 'weighting',
                                'reason', 'time', 'years', name=op.f('pk_kept_heat_answer')))
    op.create_table(
        'kept_hot_spots',
        sa.Column('borough_id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=12), nullable=False),
        sa.Column('resolution', sa.SmallInteger(), nullable=False),
        sa.Column('years', sa.String(length=16), nullable=False),
        sa.Column('cautious', sa.Boolean(), nullable=False),
        sa.Column('analysis', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _of_kept_term('kept_hot_spots'),
        sa.PrimaryKeyConstraint('borough_id', 'term', 'resolution', 'years', 'cautious',
                                name=op.f('pk_kept_hot_spots')))
    # A kept term replaces its maps in every answer: cached answers must be recomputed.
    op.execute("""
        CREATE TRIGGER kept_term_changed
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kept_term
        FOR EACH STATEMENT EXECUTE FUNCTION bump_heatmap_version()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER kept_term_changed ON kept_term")
    op.drop_table('kept_hot_spots')
    op.drop_table('kept_heat_answer')
    op.drop_table('kept_term')
