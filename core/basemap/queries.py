"""All SQL of the basemap: sources, batched idempotent upserts of features, and the features,
attributions and presence in a printed map's frame (given in a projected SRID)."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.basemap.models import AREA_LAYERS, LAYERS

_UPSERT_SOURCE = text("""
    INSERT INTO basemap_source (name, attribution) VALUES (:name, :attribution)
    ON CONFLICT (name) DO UPDATE SET attribution = EXCLUDED.attribution, imported_at = now()
    RETURNING id
""")

_UPSERT_FEATURES = text("""
    INSERT INTO basemap_feature (source_id, layer, name, feature_key, geometry)
    SELECT :source_id, r.layer, r.name, r.feature_key, ST_GeomFromWKB(r.wkb, 4326)
      FROM unnest(CAST(:layers AS text[]), CAST(:names AS text[]), CAST(:keys AS text[]),
                  CAST(:wkbs AS bytea[])) AS r(layer, name, feature_key, wkb)
    ON CONFLICT (feature_key) DO UPDATE
       SET source_id = EXCLUDED.source_id, layer = EXCLUDED.layer, name = EXCLUDED.name,
           geometry = EXCLUDED.geometry
    RETURNING (xmax = 0) AS inserted
""")

_COUNT_SOURCES = text("""
    UPDATE basemap_source s
       SET feature_count = (SELECT count(*) FROM basemap_feature f WHERE f.source_id = s.id)
""")

# The frame in the map's SRID, and the same frame in EPSG:4326 for the GiST index: its edges
# are cut into 8 before the transform, so the lon/lat box holds the whole (curved) frame.
_FRAME = """
    WITH frame AS (
        SELECT ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, {srid}) AS box),
    near AS (
        SELECT box, ST_Transform(ST_Segmentize(box, greatest(:maxx - :minx, :maxy - :miny) / 8),
                                 4326) AS lonlat
          FROM frame)
"""

# Clipped to the frame in the map's SRID, reduced to the layer's dimension (a line that only
# touches the frame leaves a point), simplified (vertices are only ever removed, so everything
# stays inside the frame) and dropped when nothing is left. OFFSET 0 keeps the subquery from
# being flattened, which would transform, clip and simplify every feature twice (once for the
# WHERE, once for the SELECT list).
_FEATURES_IN_FRAME = """{frame}
    SELECT layer, name, ST_AsBinary(shape) AS wkb
      FROM (SELECT f.id, f.layer, f.name,
                   ST_SimplifyPreserveTopology(ST_CollectionExtract(
                       ST_ClipByBox2D(ST_Transform(f.geometry, {srid}), near.box),
                       CASE WHEN f.layer = ANY(CAST(:areas AS text[])) THEN 3 ELSE 2 END),
                       :tolerance_m) AS shape
              FROM basemap_feature f, near
             WHERE f.geometry && near.lonlat
            OFFSET 0) AS clipped
     WHERE NOT ST_IsEmpty(shape)
     ORDER BY array_position(CAST(:order AS text[]), layer::text), id
"""

_ATTRIBUTIONS_IN_FRAME = """{frame}
    SELECT DISTINCT s.attribution FROM basemap_source s
     WHERE s.id IN (SELECT f.source_id FROM basemap_feature f, near
                     WHERE f.geometry && near.lonlat
                       AND ST_Intersects(ST_Transform(f.geometry, {srid}), near.box))
     ORDER BY s.attribution
"""

def _in_frame(template: str, srid: int):
    """A frame query for a map in `srid` (an int, written into the SQL; all else is bound)."""
    srid = int(srid)
    return text(template.format(frame=_FRAME.format(srid=srid), srid=srid))


def upsert_source(db_session: Session, *, name: str, attribution: str) -> int:
    """Insert or update a source by name; its id."""
    return db_session.execute(_UPSERT_SOURCE, {"name": name, "attribution": attribution}
                              ).scalar_one()


def upsert_features(db_session: Session, source_id: int, rows: list) -> list[bool]:
    """Insert or update features (unique feature keys) of a source; inserted or not, each."""
    if not rows:
        return []
    params = {"source_id": source_id, "layers": [row.layer for row in rows],
              "names": [row.name for row in rows], "keys": [row.feature_key for row in rows],
              "wkbs": [row.wkb for row in rows]}
    return [row.inserted for row in db_session.execute(_UPSERT_FEATURES, params)]


def count_source_features(db_session: Session) -> None:
    """Store how many features each source has now (features move to the newest source)."""
    db_session.execute(_COUNT_SOURCES)


def delete_all(db_session: Session) -> None:
    """Remove every basemap source and feature."""
    db_session.execute(text("DELETE FROM basemap_feature"))
    db_session.execute(text("DELETE FROM basemap_source"))


def _frame_params(bounds: tuple[float, float, float, float]) -> dict:
    minx, miny, maxx, maxy = bounds
    return {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}


def features_in_frame(db_session: Session, *, bounds, srid: int, tolerance_m: float):
    """Rows (layer, name, wkb) clipped to the frame, in `srid`, in drawing order."""
    params = {**_frame_params(bounds), "tolerance_m": tolerance_m, "areas": sorted(AREA_LAYERS),
              "order": list(LAYERS)}
    return db_session.execute(_in_frame(_FEATURES_IN_FRAME, srid), params).all()


def attributions_in_frame(db_session: Session, *, bounds, srid: int) -> list[str]:
    """The attributions of the sources with a feature in the frame."""
    return list(db_session.scalars(_in_frame(_ATTRIBUTIONS_IN_FRAME, srid),
                                   _frame_params(bounds)))

