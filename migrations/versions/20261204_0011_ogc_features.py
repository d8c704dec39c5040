"""OGC API - Features: published heat cells and hot spots, the `ogc` views and their reader role.

The OGC layer reads only the views in schema `ogc`, as role `safehavens_ogc`, which may read
nothing else: active havens' public columns, schools, and the heat cells and hot spots that the
app has already published (suppressed and rounded) into their own tables.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "safehavens_ogc"

VIEWS = {
    "havens": """
        SELECT h.id, h.name, h.business_type, h.address, h.postcode, h.opening_hours,
               b.code AS borough, h.location AS geometry
          FROM haven h JOIN borough b ON b.id = h.borough_id
         WHERE h.status = 'active'""",
    "schools": """
        SELECT s.urn AS id, s.name, s.phase, s.type, s.status, s.address, s.postcode,
               b.code AS borough, s.location AS geometry
          FROM school s JOIN borough b ON b.id = s.borough_id""",
    "heat_cells": """
        SELECT p.term || ':' || p.cell_m || ':' || p.i || ':' || p.j AS id, b.code AS borough,
               p.term, p.term_start, p.term_end, p.cell_m, p.unsafe_pupils, p.safe_pupils,
               p.coverage, p.unsafe_rate, p.safe_rate, p.net, p.geometry
          FROM published_heat_cell p JOIN borough b ON b.id = p.borough_id""",
    "hotspots": """
        SELECT p.term || ':' || p.cell_m || ':' || p.rank AS id, b.code AS borough, p.term,
               p.term_start, p.term_end, p.cell_m, p.rank, p.confidence, p.peak_z, p.pupils,
               p.schools, p.top_reasons, p.peak_time, p.visits, p.cells, p.area_ha, p.ward,
               p.nearest_haven, p.haven_distance_m, p.haven_open_at_peak, p.geometry
          FROM published_hotspot p JOIN borough b ON b.id = p.borough_id""",
}


def upgrade() -> None:
    op.create_table('published_heat_cell',
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=16), nullable=False),
    sa.Column('cell_m', sa.Integer(), nullable=False),
    sa.Column('i', sa.Integer(), nullable=False),
    sa.Column('j', sa.Integer(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('unsafe_pupils', sa.Integer(), nullable=True),
    sa.Column('safe_pupils', sa.Integer(), nullable=True),
    sa.Column('coverage', sa.Integer(), nullable=False),
    sa.Column('unsafe_rate', sa.Float(), nullable=True),
    sa.Column('safe_rate', sa.Float(), nullable=True),
    sa.Column('net', sa.Float(), nullable=True),
    sa.Column('geometry', Geometry(geometry_type='POLYGON', srid=-1, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_published_heat_cell_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('borough_id', 'term', 'cell_m', 'i', 'j', name=op.f('pk_published_heat_cell'))
    )
    op.create_geospatial_index('idx_published_heat_cell_geometry', 'published_heat_cell', ['geometry'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('published_hotspot',
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=16), nullable=False),
    sa.Column('cell_m', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('peak_z', sa.Float(), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=True),
    sa.Column('schools', sa.Integer(), nullable=True),
    sa.Column('top_reasons', sa.Text(), nullable=False),
    sa.Column('peak_time', sa.String(length=80), nullable=False),
    sa.Column('visits', sa.Text(), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('area_ha', sa.Float(), nullable=False),
    sa.Column('ward', sa.String(length=200), nullable=False),
    sa.Column('nearest_haven', sa.String(length=200), nullable=False),
    sa.Column('haven_distance_m', sa.Integer(), nullable=True),
    sa.Column('haven_open_at_peak', sa.String(length=20), nullable=False),
    sa.Column('geometry', Geometry(geometry_type='MULTIPOLYGON', srid=-1, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_published_hotspot_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('borough_id', 'term', 'cell_m', 'rank', name=op.f('pk_published_hotspot'))
    )
    op.create_geospatial_index('idx_published_hotspot_geometry', 'published_hotspot', ['geometry'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('ogc_publication',
    sa.Column('borough_id', sa.Integer(), nullable=False),
    sa.Column('collection', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['borough_id'], ['borough.id'], name=op.f('fk_ogc_publication_borough_id_borough'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('borough_id', 'collection', name=op.f('pk_ogc_publication'))
    )
    op.execute("CREATE SCHEMA ogc")
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW ogc.{name} WITH (security_barrier) AS {body}")
    # The role is cluster-wide: create it once, and only where this user may.
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
            IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles
                     WHERE rolname = current_user) THEN
              RAISE EXCEPTION 'Role {ROLE} is missing: ask your database administrator to run '
                              'CREATE ROLE {ROLE} NOLOGIN; GRANT {ROLE} TO %;', current_user;
            END IF;
            CREATE ROLE {ROLE} NOLOGIN;
          END IF;
        END $$""")  # noqa: S608 (ROLE is a constant)
    op.execute(f"""
        DO $$ BEGIN
          IF NOT pg_has_role(current_user, '{ROLE}', 'MEMBER') THEN
            EXECUTE format('GRANT {ROLE} TO %I', current_user);
          END IF;
        END $$""")
    op.execute(f"GRANT USAGE ON SCHEMA ogc TO {ROLE}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA ogc TO {ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA ogc FROM {ROLE}")
    op.execute(f"REVOKE ALL ON SCHEMA ogc FROM {ROLE}")
    op.execute("DROP SCHEMA ogc CASCADE")
    op.drop_geospatial_index('idx_published_hotspot_geometry', table_name='published_hotspot', postgresql_using='gist', column_name='geometry')
    op.drop_table('ogc_publication')
    op.drop_table('published_hotspot')
    op.drop_geospatial_index('idx_published_heat_cell_geometry', table_name='published_heat_cell', postgresql_using='gist', column_name='geometry')
    op.drop_table('published_heat_cell')
