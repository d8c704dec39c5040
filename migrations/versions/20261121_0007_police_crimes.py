"""Police-recorded crime: police.uk street-level rows placed in boroughs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 12:44:56.877205
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('crime',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_key', sa.String(length=120), nullable=False),
    sa.Column('crime_id', sa.String(length=100), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('crime_type', sa.String(length=40), nullable=False),
    sa.Column('reported_by', sa.String(length=80), nullable=True),
    sa.Column('falls_within', sa.String(length=80), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('lsoa_code', sa.String(length=12), nullable=True),
    sa.Column('lsoa_name', sa.String(length=80), nullable=True),
    sa.Column('last_outcome', sa.String(length=200), nullable=True),
    sa.Column('context', sa.String(length=500), nullable=True),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_crime_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime')),
    sa.UniqueConstraint('import_key', name=op.f('uq_crime_import_key'))
    )
    op.create_geospatial_index('idx_crime_geom', 'crime', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_crime_read', 'crime', ['borough_id', 'month', 'crime_type'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_crime_read', table_name='crime')
    op.drop_geospatial_index('idx_crime_geom', table_name='crime', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('crime')
