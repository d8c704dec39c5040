"""Haven registry: havens (with private contact fields) and their visits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 09:27:26.823927
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('haven',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('business_type', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('opening_hours', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('sticker_displayed', sa.Boolean(), nullable=False),
    sa.Column('staff_briefed_count', sa.Integer(), nullable=True),
    sa.Column('staff_briefed_on', sa.Date(), nullable=True),
    sa.Column('sells_knives', sa.Boolean(), nullable=False),
    sa.Column('responsible_retailer_signed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('last_verified_on', sa.Date(), nullable=True),
    sa.Column('next_visit_due', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=True),
    sa.Column('source_id', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("business_type in ('shop', 'takeaway', 'cafe', 'pharmacy', 'library', 'leisure', 'other')", name=op.f('ck_haven_business_type')),
    sa.CheckConstraint("status in ('prospect', 'active', 'lapsed', 'withdrawn')", name=op.f('ck_haven_status')),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_haven_borough_id_borough'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_haven_created_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_haven_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_haven')),
    sa.UniqueConstraint('source', 'source_id', name='uq_haven_source')
    )
    op.create_geospatial_index('idx_haven_location', 'haven', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_haven_active_location_work', 'haven', [sa.literal_column('ST_Transform(location, 27700)')], unique=False, postgresql_using='gist', postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_haven_borough_id'), 'haven', ['borough_id'], unique=False)
    op.create_index('ix_haven_location_work', 'haven', [sa.literal_column('ST_Transform(location, 27700)')], unique=False, postgresql_using='gist')
    op.create_index(op.f('ix_haven_next_visit_due'), 'haven', ['next_visit_due'], unique=False)
    op.create_index(op.f('ix_haven_status'), 'haven', ['status'], unique=False)
    op.create_table('haven_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('haven_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('staff_briefed_count', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("outcome in ('signed_up', 're_verified', 'sticker_replaced', 'staff_briefed', 'declined', 'closed_down', 'no_answer')", name=op.f('ck_haven_visit_outcome')),
    sa.ForeignKeyConstraint(['haven_id'], ['haven.id'], name=op.f('fk_haven_visit_haven_id_haven'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['worker_id'], ['app_user.id'], name=op.f('fk_haven_visit_worker_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_haven_visit'))
    )
    op.create_index(op.f('ix_haven_visit_borough_id'), 'haven_visit', ['borough_id'], unique=False)
    op.create_index(op.f('ix_haven_visit_haven_id'), 'haven_visit', ['haven_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_haven_visit_haven_id'), table_name='haven_visit')
    op.drop_index(op.f('ix_haven_visit_borough_id'), table_name='haven_visit')
    op.drop_table('haven_visit')
    op.drop_index(op.f('ix_haven_status'), table_name='haven')
    op.drop_index(op.f('ix_haven_next_visit_due'), table_name='haven')
    op.drop_index('ix_haven_location_work', table_name='haven', postgresql_using='gist')
    op.drop_index(op.f('ix_haven_borough_id'), table_name='haven')
    op.drop_index('ix_haven_active_location_work', table_name='haven', postgresql_using='gist', postgresql_where=sa.text("status = 'active'"))
    op.drop_geospatial_index('idx_haven_location', table_name='haven', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('haven')
