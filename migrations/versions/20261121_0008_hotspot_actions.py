"""Hot-spot actions: what planners did about a hot spot, with its own copy of the place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 12:58:53.201527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('hotspot_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('action', sa.String(length=300), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), server_default='planned', nullable=False),
    sa.Column('area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('ward', sa.String(length=120), nullable=True),
    sa.Column('peak_time', sa.String(length=24), nullable=True),
    sa.Column('term', sa.String(length=12), nullable=True),
    sa.Column('years', sa.String(length=16), nullable=True),
    sa.Column('cell_m', sa.SmallInteger(), nullable=False),
    sa.Column('significance', sa.String(length=12), nullable=False),
    sa.Column('rank', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint("status in ('planned', 'in_progress', 'done')", name=op.f('ck_hotspot_action_status')),
    sa.CheckConstraint('char_length(action) BETWEEN 1 AND 300', name=op.f('ck_hotspot_action_action')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_hotspot_action_dates')),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_hotspot_action_borough_id_borough'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_hotspot_action_created_by_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_action'))
    )
    op.create_geospatial_index('idx_hotspot_action_location', 'hotspot_action', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_hotspot_action_borough_id'), 'hotspot_action', ['borough_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hotspot_action_borough_id'), table_name='hotspot_action')
    op.drop_geospatial_index('idx_hotspot_action_location', table_name='hotspot_action', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('hotspot_action')
