"""The London-scale synthetic data: 33 boroughs with their own ids, codes and squares."""

import dataclasses

from shapely.geometry import Point

from bench import synthetic


def test_london_boroughs_are_separate_and_lewisham_keeps_its_place():
    scale = dataclasses.replace(synthetic.SCALES["london"], maps=30)
    boroughs = synthetic.london_boroughs(1, scale)
    assert [b.id for b in boroughs] == list(range(1, 34))
    assert len({b.code for b in boroughs}) == 33
    for kind in ("schools", "sessions", "maps", "zones"):
        ids = [row["id"] for b in boroughs for row in getattr(b, kind)]
        assert len(ids) == len(set(ids)), kind
    assert len({s["join_code"] for b in boroughs for s in b.sessions}) == \
        sum(len(b.sessions) for b in boroughs)
    lewisham = next(b for b in boroughs if b.code == synthetic.BOROUGH_CODE)
    assert lewisham.boundary.centroid.distance(Point(synthetic.CENTRE)) < 1e-6
    # each borough's classes and zones stay in its own square (give or take the class areas),
    # and no two boroughs' areas meet, so no cell is shared
    reach = [b.boundary.buffer(1_250) for b in boroughs]
    for b, around in zip(boroughs, reach, strict=True):
        assert all(around.contains(z["geom"]) for z in b.zones)
        assert all(around.contains(s["area"]) for s in b.sessions)
    for n, one in enumerate(reach):
        assert not any(one.intersects(other) for other in reach[n + 1:])
    # a map's zones and session belong to its own borough
    for b in boroughs:
        sessions = {s["id"] for s in b.sessions}
        maps = {m["id"] for m in b.maps}
        assert all(m["session_id"] in sessions for m in b.maps)
        assert all(z["pupil_map_id"] in maps for z in b.zones)


def test_one_borough_is_generated_as_before():
    scale = dataclasses.replace(synthetic.SCALES["borough"], maps=20)
    borough = synthetic.generate(1, scale)
    assert (borough.id, borough.code) == (1, synthetic.BOROUGH_CODE)
    assert borough.boundary.centroid.distance(Point(synthetic.CENTRE)) < 1e-6
