"""Places (boroughs, wards, schools, postcodes), staff accounts, sessions, tokens and audit.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 09:04:42.965930
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('borough',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borough')),
    sa.UniqueConstraint('code', name=op.f('uq_borough_code'))
    )
    op.create_geospatial_index('idx_borough_boundary', 'borough', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role <> 'planner' or borough_id is not null", name=op.f('ck_app_user_planner_borough')),
    sa.CheckConstraint("role in ('admin', 'worker', 'teacher', 'planner')", name=op.f('ck_app_user_role')),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_app_user_borough_id_borough'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_geospatial_table('postcode',
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_postcode_borough_id_borough'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('postcode', name=op.f('pk_postcode'))
    )
    op.create_geospatial_index('idx_postcode_location', 'postcode', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_postcode_borough_id'), 'postcode', ['borough_id'], unique=False)
    op.create_geospatial_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('urn', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.String(length=80), nullable=True),
    sa.Column('type', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=80), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_school_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('urn', name=op.f('uq_school_urn'))
    )
    op.create_geospatial_index('idx_school_location', 'school', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_school_borough_id'), 'school', ['borough_id'], unique=False)
    op.create_geospatial_table('ward',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_ward_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward')),
    sa.UniqueConstraint('code', name=op.f('uq_ward_code'))
    )
    op.create_geospatial_index('idx_ward_boundary', 'ward', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_ward_borough_id'), 'ward', ['borough_id'], unique=False)
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_index(op.f('ix_api_token_user_id'), 'api_token', ['user_id'], unique=False)
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=60), nullable=True),
    sa.Column('borough_id', sa.Integer(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_audit_event_user_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    op.create_index(op.f('ix_audit_event_at'), 'audit_event', ['at'], unique=False)
    op.create_index(op.f('ix_audit_event_borough_id'), 'audit_event', ['borough_id'], unique=False)
    op.create_index(op.f('ix_audit_event_user_id'), 'audit_event', ['user_id'], unique=False)
    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_login_session_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash'))
    )
    op.create_index(op.f('ix_login_session_user_id'), 'login_session', ['user_id'], unique=False)
    op.create_table('teacher_school',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_teacher_school_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_teacher_school_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'school_id', name=op.f('pk_teacher_school'))
    )


def downgrade() -> None:
    op.drop_table('teacher_school')
    op.drop_index(op.f('ix_login_session_user_id'), table_name='login_session')
    op.drop_table('login_session')
    op.drop_index(op.f('ix_audit_event_user_id'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_borough_id'), table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_at'), table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index(op.f('ix_api_token_user_id'), table_name='api_token')
    op.drop_table('api_token')
    op.drop_index(op.f('ix_ward_borough_id'), table_name='ward')
    op.drop_geospatial_index('idx_ward_boundary', table_name='ward', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('ward')
    op.drop_index(op.f('ix_school_borough_id'), table_name='school')
    op.drop_geospatial_index('idx_school_location', table_name='school', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('school')
    op.drop_index(op.f('ix_postcode_borough_id'), table_name='postcode')
    op.drop_geospatial_index('idx_postcode_location', table_name='postcode', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('postcode')
    op.drop_table('app_user')
    op.drop_geospatial_index('idx_borough_boundary', table_name='borough', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('borough')
