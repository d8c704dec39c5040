"""Pupil safety mapping: class sessions, named places, anonymous pupil maps, zones, keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 09:51:29.375317
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('mapping_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('class_label', sa.String(length=60), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('join_code', sa.String(length=12), nullable=False),
    sa.Column('area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expected_pupils', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_mapping_session_times')),
    sa.CheckConstraint('year_group between 1 and 13', name=op.f('ck_mapping_session_year_group')),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_mapping_session_borough_id_borough'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_mapping_session_school_id_school'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['teacher_id'], ['app_user.id'], name=op.f('fk_mapping_session_teacher_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mapping_session')),
    sa.UniqueConstraint('join_code', name=op.f('uq_mapping_session_join_code'))
    )
    op.create_geospatial_index('idx_mapping_session_area', 'mapping_session', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_mapping_session_borough_id'), 'mapping_session', ['borough_id'], unique=False)
    op.create_index(op.f('ix_mapping_session_school_id'), 'mapping_session', ['school_id'], unique=False)
    op.create_index(op.f('ix_mapping_session_teacher_id'), 'mapping_session', ['teacher_id'], unique=False)
    op.create_geospatial_table('named_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mapping_session.id'], name=op.f('fk_named_place_session_id_mapping_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_named_place'))
    )
    op.create_geospatial_index('idx_named_place_area', 'named_place', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_named_place_borough_id'), 'named_place', ['borough_id'], unique=False)
    op.create_index(op.f('ix_named_place_session_id'), 'named_place', ['session_id'], unique=False)
    op.create_table('pupil_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('year_group', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text("date_trunc('hour', now())"), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['mapping_session.id'], name=op.f('fk_pupil_map_session_id_mapping_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pupil_map'))
    )
    op.create_index(op.f('ix_pupil_map_borough_id'), 'pupil_map', ['borough_id'], unique=False)
    op.create_index(op.f('ix_pupil_map_school_id'), 'pupil_map', ['school_id'], unique=False)
    op.create_index(op.f('ix_pupil_map_session_id'), 'pupil_map', ['session_id'], unique=False)
    op.create_index(op.f('ix_pupil_map_submitted_at'), 'pupil_map', ['submitted_at'], unique=False)
    op.create_table('submission_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('pupil_map_id', sa.Integer(), nullable=False),
    sa.Column('answer', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pupil_map_id'], ['pupil_map.id'], name=op.f('fk_submission_key_pupil_map_id_pupil_map'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['mapping_session.id'], name=op.f('fk_submission_key_session_id_mapping_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_key')),
    sa.UniqueConstraint('session_id', 'key_hash', name='uq_submission_key')
    )
    op.create_geospatial_table('zone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_map_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('shape', sa.String(length=8), nullable=False),
    sa.Column('drawn', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('reasons', postgresql.ARRAY(sa.String(length=24)), nullable=False),
    sa.Column('times', postgresql.ARRAY(sa.String(length=24)), nullable=False),
    sa.Column('suggestions', postgresql.ARRAY(sa.String(length=24)), nullable=False),
    sa.Column('suggestion_other', sa.Text(), nullable=True),
    sa.Column('other_state', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_state', sa.String(length=10), nullable=False),
    sa.CheckConstraint("comment_state in ('none', 'pending', 'approved', 'hidden')", name=op.f('ck_zone_comment_state')),
    sa.CheckConstraint("kind in ('safe', 'unsafe')", name=op.f('ck_zone_kind')),
    sa.CheckConstraint("other_state in ('none', 'pending', 'approved', 'hidden')", name=op.f('ck_zone_other_state')),
    sa.CheckConstraint("shape in ('area', 'route', 'spot', 'place')", name=op.f('ck_zone_shape')),
    sa.ForeignKeyConstraint(['place_id'], ['named_place.id'], name=op.f('fk_zone_place_id_named_place'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pupil_map_id'], ['pupil_map.id'], name=op.f('fk_zone_pupil_map_id_pupil_map'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zone'))
    )
    op.create_geospatial_index('idx_zone_geom', 'zone', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_zone_borough_id'), 'zone', ['borough_id'], unique=False)
    op.create_index(op.f('ix_zone_pupil_map_id'), 'zone', ['pupil_map_id'], unique=False)
    op.create_index(op.f('ix_zone_session_id'), 'zone', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_zone_session_id'), table_name='zone')
    op.drop_index(op.f('ix_zone_pupil_map_id'), table_name='zone')
    op.drop_index(op.f('ix_zone_borough_id'), table_name='zone')
    op.drop_geospatial_index('idx_zone_geom', table_name='zone', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('zone')
    op.drop_table('submission_key')
    op.drop_index(op.f('ix_pupil_map_submitted_at'), table_name='pupil_map')
    op.drop_index(op.f('ix_pupil_map_session_id'), table_name='pupil_map')
    op.drop_index(op.f('ix_pupil_map_school_id'), table_name='pupil_map')
    op.drop_index(op.f('ix_pupil_map_borough_id'), table_name='pupil_map')
    op.drop_table('pupil_map')
    op.drop_index(op.f('ix_named_place_session_id'), table_name='named_place')
    op.drop_index(op.f('ix_named_place_borough_id'), table_name='named_place')
    op.drop_geospatial_index('idx_named_place_area', table_name='named_place', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('named_place')
    op.drop_index(op.f('ix_mapping_session_teacher_id'), table_name='mapping_session')
    op.drop_index(op.f('ix_mapping_session_school_id'), table_name='mapping_session')
    op.drop_index(op.f('ix_mapping_session_borough_id'), table_name='mapping_session')
    op.drop_geospatial_index('idx_mapping_session_area', table_name='mapping_session', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('mapping_session')
