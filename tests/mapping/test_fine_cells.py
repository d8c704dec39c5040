"""Fine cells (50 m): the compiled hexagon finder gives PostGIS's answer, and the stored arrays
are what zone_cell rows would have been, whether a map arrived or everything was rebuilt."""

import math
import random

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text

from mapping import aggregates, fine_cells, hex_raster, queries
from tests.mapping.conftest import feature, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)

REFERENCE = """
    SELECT p.n - 1 AS polygon, h.i, h.j
      FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS p(wkb, n)
     CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(p.wkb, 27700) AS g) AS z
     CROSS JOIN LATERAL ST_HexagonGrid(:size, z.g) AS h
     WHERE ST_Relate(h.geom, z.g, 'T********')"""


def postgis_pairs(db_session, polygons, size) -> set:
    """What ST_Relate(hexagon, polygon, 'T********') says, hexagon by hexagon."""
    wkbs = [shapely.to_wkb(p) for p in polygons]
    rows = db_session.execute(text(REFERENCE), {"wkbs": wkbs, "size": size})
    return {(row.polygon, row.i, row.j) for row in rows}


def raster_pairs(db_session, polygons, size) -> tuple[set, hex_raster.Overlaps]:
    """The finder's answer, with its undecided pairs settled by PostGIS as the app does."""
    found = hex_raster.overlaps([shapely.to_wkb(p) for p in polygons], size)
    pairs = set(zip(found.polygon.tolist(), found.i.tolist(), found.j.tolist(), strict=True))
    undecided = list(zip(found.undecided_polygon.tolist(), found.undecided_i.tolist(),
                         found.undecided_j.tolist(), strict=True))
    for polygon, i, j in undecided:
        meets = db_session.scalar(text(
            "SELECT ST_Relate(ST_SetSRID(ST_Hexagon(:size, :i, :j), 27700), "
            "ST_GeomFromWKB(:wkb, 27700), 'T********')"),
            {"size": size, "i": i, "j": j, "wkb": shapely.to_wkb(polygons[polygon])})
        if meets:
            pairs.add((polygon, i, j))
    return pairs, found


def hexagon(db_session, size, i, j) -> Polygon:
    """Hexagon (i, j) as PostGIS makes it (to the last bit)."""
    return shapely.from_wkb(db_session.scalar(text("SELECT ST_AsBinary(ST_Hexagon(:s, :i, :j))"),
                                              {"s": size, "i": i, "j": j}))


def star(rng, cx, cy, radius, points) -> Polygon:
    """A concave, star-like polygon."""
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(points))
    return Polygon([(cx + rng.uniform(0.2, 1) * radius * math.cos(a),
                     cy + rng.uniform(0.2, 1) * radius * math.sin(a)) for a in angles])


def random_polygons(seed, count=120):
    """Shapes pupils draw, in British National Grid metres: blobs, thin routes, tiny spots,
    rings with holes and several parts."""
    rng, shapes = random.Random(seed), []
    while len(shapes) < count:
        cx, cy = rng.uniform(530000, 540000), rng.uniform(170000, 180000)
        pick = rng.random()
        if pick < 0.4:
            shape = star(rng, cx, cy, rng.uniform(20, 600), rng.randint(3, 40))
        elif pick < 0.55:
            shape = shapely.LineString([(cx, cy), (cx + rng.uniform(-800, 800),
                                                   cy + rng.uniform(-800, 800))]).buffer(
                rng.uniform(2, 15), quad_segs=2)
        elif pick < 0.7:
            shape = shapely.Point(cx, cy).buffer(rng.uniform(0.5, 10))
        elif pick < 0.85:
            shape = shapely.Point(cx, cy).buffer(rng.uniform(150, 400)).difference(
                shapely.Point(cx + 20, cy - 10).buffer(rng.uniform(40, 120)))
        else:
            shape = MultiPolygon([star(rng, cx + dx, cy + dy, rng.uniform(20, 120), 7)
                                  for dx, dy in ((0, 0), (700, 300))])
        shape = shapely.make_valid(shape)
        if shape.geom_type in ("Polygon", "MultiPolygon") and not shape.is_empty:
            shapes.append(shape)
    return shapes


@pytest.mark.parametrize("size", [50, 100, 150, 250])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_finder_gives_postgis_answer_for_drawn_shapes(db_session, size, seed):
    polygons = random_polygons(seed)
    expected = postgis_pairs(db_session, polygons, size)
    got, _found = raster_pairs(db_session, polygons, size)
    assert len(expected) > len(polygons)
    assert got == expected


def test_the_finder_works_on_both_sides_of_the_grid_origin(db_session):
    rng = random.Random(3)
    polygons = [star(rng, rng.uniform(-400, 400), rng.uniform(-400, 400), 150, 12)
                for _ in range(40)]
    got, _found = raster_pairs(db_session, polygons, 50)
    assert got == postgis_pairs(db_session, polygons, 50)
    assert min(i for _p, i, _j in got) < 0 < max(i for _p, i, _j in got)


def edge_cases(db_session, size=50.0, i=7161, j=2020):
    """Zones lying exactly on hexagon sides and corners, and one that is a hexagon."""
    cell = hexagon(db_session, size, i, j)
    (x0, _y), (x1, top) = cell.exterior.coords[5], cell.exterior.coords[4]
    return [
        shapely.box(x0, top, x1, top + 30),  # sits on the top side: not in the cell below
        shapely.box(x0 - 5, top - 1e-9, x1 + 5, top + 30),  # a nanometre over the side
        cell,  # exactly one hexagon: the six round it only touch it
        shapely.box(x1, top, x1 + 20, top + 20),  # touches a corner only
        Polygon([cell.exterior.coords[0], cell.exterior.coords[3], (x1, top + 40)]),  # corner
        # to corner, through the cell's middle
    ]


def test_zones_on_a_cell_edge_are_settled_exactly(db_session):
    polygons = edge_cases(db_session)
    got, found = raster_pairs(db_session, polygons, 50)
    assert len(found.undecided_polygon) > 0  # these needed PostGIS's exact answer
    expected = postgis_pairs(db_session, polygons, 50)
    assert got == expected
    assert {(i, j) for p, i, j in expected if p == 2} == {(7161, 2020)}
    assert (0, 7161, 2020) not in expected and (1, 7161, 2020) in expected


def test_no_shapes_give_no_cells():
    found = hex_raster.overlaps([], 50)
    assert len(found.polygon) == len(found.undecided_polygon) == 0


def test_only_polygon_wkb_is_read():
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        hex_raster.overlaps([shapely.to_wkb(shapely.Point(1, 2))], 50)
    with pytest.raises(ValueError, match="little-endian"):
        hex_raster.overlaps([shapely.to_wkb(shapely.box(0, 0, 1, 1), byte_order=0)], 50)


# --- stored fine cells ---------------------------------------------------------------------------

STORED = """SELECT c.zone_id, c.i, c.j FROM fine_cell f,
                   unnest(f.zone_ids, f.i, f.j) AS c(zone_id, i, j)"""
DEFINITION = """
    SELECT z.id AS zone_id, h.i, h.j
      FROM zone z
     CROSS JOIN LATERAL ST_HexagonGrid(50, ST_Transform(z.geom, 27700)) AS h
     WHERE ST_Relate(h.geom, ST_Transform(z.geom, 27700), 'T********')"""


def _pupils(db_session, rng, classes, maps=15):  # noqa: F811 (the fixture)
    for _pupil in range(maps):
        zones = [feature(square(rng.uniform(-600, 600), rng.uniform(-600, 600),
                                rng.uniform(10, 250)), kind=rng.choice(["safe", "unsafe"]))
                 for _ in range(rng.randint(1, 4))]
        yield rng.choice(classes), zones


def test_a_new_map_stores_the_cells_its_zones_overlap(app, db_session, classes):  # noqa: F811
    for session, zones in _pupils(db_session, random.Random(11), classes):
        send(app, db_session, session, *zones)
    stored = db_session.execute(text(STORED)).all()
    assert len(stored) == len(set(stored)) > 15
    assert set(stored) == set(db_session.execute(text(DEFINITION)).all())
    # one row per map, none at the planners' sizes, and no 50 m rows left in zone_cell
    assert db_session.scalar(text("SELECT count(*) FROM fine_cell")) == \
        db_session.scalar(text("SELECT count(*) FROM pupil_map")) == 15
    assert db_session.scalar(text("SELECT count(*) FROM zone_cell WHERE resolution = 50")) == 0


def test_a_rebuild_stores_the_same_cells_as_the_maps_arriving(app, db_session,
                                                              classes):  # noqa: F811
    for session, zones in _pupils(db_session, random.Random(12), classes):
        send(app, db_session, session, *zones)
    before = sorted(db_session.execute(text(STORED)).all())
    versions = db_session.scalar(text("SELECT version FROM heatmap_state"))
    with app.app_context():
        assert fine_cells.rebuild(db_session) == len(before)
    assert sorted(db_session.execute(text(STORED)).all()) == before
    assert db_session.scalar(text("SELECT version FROM heatmap_state")) > versions
    with app.app_context():
        aggregates.rebuild(db_session=db_session)
    assert sorted(db_session.execute(text(STORED)).all()) == before


def test_fine_cells_go_with_their_map(app, db_session, classes):  # noqa: F811
    send(app, db_session, classes[0], feature(square(0, 0, 120)))
    send(app, db_session, classes[1], feature(square(50, 50, 120)))
    first = db_session.scalar(text("SELECT min(id) FROM pupil_map"))
    db_session.execute(text("DELETE FROM pupil_map WHERE id = :id"), {"id": first})
    assert db_session.scalars(text("SELECT pupil_map_id FROM fine_cell")).all() == [first + 1]


def test_50_m_counts_read_the_fine_cells(app, db_session, classes):  # noqa: F811
    for session, zones in _pupils(db_session, random.Random(13), classes, maps=20):
        send(app, db_session, session, *zones)
    school = classes[0].school_id
    with app.app_context():
        _names, rows = queries.heat_counts(db_session, borough_id=classes[0].borough_id,
                                           resolution=50, kind="unsafe", filters={},
                                           scope={"school_id": school})
    expected = db_session.execute(text(f"""
        SELECT d.i, d.j, count(DISTINCT z.pupil_map_id) FROM ({DEFINITION}) AS d
          JOIN zone z ON z.id = d.zone_id JOIN pupil_map m ON m.id = z.pupil_map_id
         WHERE z.kind = 'unsafe' AND m.school_id = :school
         GROUP BY d.i, d.j"""), {"school": school}).all()  # noqa: S608 (a constant)
    assert expected and {(r.i, r.j, r.p0) for r in rows} == {tuple(r) for r in expected}


def test_the_copy_rows_carry_every_pair_in_map_order(db_session):
    maps, zones = np.array([4, 4, 4, 9]), np.array([40, 40, 41, 90])
    payload = fine_cells._copy_payload(maps, zones, np.array([1, 2, -3, 7]),
                                       np.array([5, 6, 7, -2_000_000]))
    db_session.execute(text("""CREATE TEMP TABLE copied (pupil_map_id int, resolution smallint,
                                   zone_ids int[], i int[], j int[])"""))
    cursor = db_session.connection().connection.driver_connection.cursor()
    with cursor.copy("COPY copied FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(payload)
    rows = db_session.execute(text("SELECT * FROM copied ORDER BY pupil_map_id")).all()
    assert [tuple(r) for r in rows] == [(4, 50, [40, 40, 41], [1, 2, -3], [5, 6, 7]),
                                        (9, 50, [90], [7], [-2_000_000])]
