"""Basemap for printed maps: imported sources and their roads, paths, parks, water and railways.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 13:48:46.028730
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('basemap_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('attribution', sa.String(length=300), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('feature_count', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basemap_source')),
    sa.UniqueConstraint('name', name=op.f('uq_basemap_source_name'))
    )
    op.create_geospatial_table('basemap_feature',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('feature_key', sa.String(length=40), nullable=False),
    sa.Column('geometry', Geometry(geometry_type='GEOMETRY', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("layer IN ('water', 'park', 'waterway', 'railway', 'path', 'road', 'major_road')", name=op.f('ck_basemap_feature_layer')),
    sa.ForeignKeyConstraint(['source_id'], ['basemap_source.id'], name=op.f('fk_basemap_feature_source_id_basemap_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basemap_feature')),
    sa.UniqueConstraint('feature_key', name=op.f('uq_basemap_feature_feature_key'))
    )
    op.create_geospatial_index('idx_basemap_feature_geometry', 'basemap_feature', ['geometry'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_basemap_feature_source_id'), 'basemap_feature', ['source_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_basemap_feature_source_id'), table_name='basemap_feature')
    op.drop_geospatial_index('idx_basemap_feature_geometry', table_name='basemap_feature', postgresql_using='gist', column_name='geometry')
    op.drop_geospatial_table('basemap_feature')
    op.drop_table('basemap_source')
