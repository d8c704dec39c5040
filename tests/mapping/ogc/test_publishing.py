"""Publishing for the OGC layer: what is copied, when it is copied again, and the CLI."""

import pytest
from sqlalchemy import func, select, text

from mapping import heatmap, hotspots
from mapping.ogc import publishing
from mapping.ogc.models import Publication, PublishedHeatCell, PublishedHotSpot
from tests.mapping.conftest import feature, square
from tests.mapping.test_heatmap import classes, send  # noqa: F401 (the fixture)
from tests.mapping.test_hotspots import _planted


@pytest.fixture
def planted(app, db_session, classes):  # noqa: F811
    _planted(app, db_session, classes)
    db_session.commit()
    return classes


def _refresh(app, db_session, borough_id, collection="heat_cells", **kwargs) -> bool:
    with app.app_context():
        return publishing.refresh(db_session, borough_id, collection, **kwargs)


def _published(db_session, borough_id) -> dict:
    rows = db_session.scalars(select(PublishedHeatCell).where(
        PublishedHeatCell.borough_id == borough_id)).all()
    return {(r.term, r.cell_m, r.i, r.j): r for r in rows}


def test_heat_cells_are_the_heatmaps_published_cells_for_every_term_and_size(
        app, db_session, planted):
    borough_id = planted[0].borough_id
    assert _refresh(app, db_session, borough_id)
    published = _published(db_session, borough_id)
    term = planted[0].term
    assert {key[0] for key in published} == {term, "all"}
    assert {key[1] for key in published} == {100, 150, 250}  # never 50 m
    with app.app_context():
        rule = heatmap.rule_for_planners()
        for size in (100, 150, 250):
            for kind, column in (("unsafe", "unsafe_pupils"), ("safe", "safe_pupils")):
                expected = {(c["i"], c["j"]): c["pupils"] for c in heatmap.published_cells(
                    db_session=db_session, rule=rule, question=heatmap.Question(
                        borough_id=borough_id, resolution=size, kind=kind, term=term))}
                got = {key[2:]: getattr(row, column) for key, row in published.items()
                       if key[:2] == (term, size) and getattr(row, column) is not None}
                assert got == expected, (size, kind)
    assert any(row.unsafe_pupils for row in published.values())
    assert all(row.unsafe_pupils % 5 == 0 for row in published.values() if row.unsafe_pupils)


def test_hexagons_are_stored_in_the_working_crs_exactly_as_postgis_builds_them(
        app, db_session, planted):
    borough_id = planted[0].borough_id
    _refresh(app, db_session, borough_id)
    row = db_session.scalars(select(PublishedHeatCell).where(
        PublishedHeatCell.borough_id == borough_id).limit(1)).one()
    same = db_session.scalar(text(
        "SELECT ST_Equals(geometry, ST_SetSRID(ST_Hexagon(:m, :i, :j), 27700)) AND "
        "ST_SRID(geometry) = 27700 FROM published_heat_cell WHERE borough_id = :b AND "
        "term = :t AND cell_m = :m AND i = :i AND j = :j"),
        {"m": row.cell_m, "i": row.i, "j": row.j, "b": borough_id, "t": row.term})
    assert same


def test_hot_spots_are_the_ranked_areas_of_the_hot_spots_page(app, db_session, planted):
    borough_id = planted[0].borough_id
    assert _refresh(app, db_session, borough_id, "hotspots")
    with app.app_context():
        expected = hotspots.analyse(db_session=db_session, rule=heatmap.rule_for_planners(),
                                    question=hotspots.HotSpotQuestion(borough_id=borough_id,
                                                                      resolution=150))
    rows = db_session.scalars(select(PublishedHotSpot).where(
        PublishedHotSpot.borough_id == borough_id, PublishedHotSpot.term == "all",
        PublishedHotSpot.cell_m == 150).order_by(PublishedHotSpot.rank)).all()
    assert [(r.rank, r.pupils, r.cells) for r in rows] == [
        (a["rank"], a["pupils"], a["cells"]) for a in expected["areas"]]
    assert rows, "the planted places make hot spots"
    hexagons = db_session.scalar(text(
        "SELECT ST_NumGeometries(geometry) >= 1 AND ST_Area(geometry) > 0 "
        "FROM published_hotspot WHERE borough_id = :b AND term = 'all' AND cell_m = 150 "
        "AND rank = 1"), {"b": borough_id})
    assert hexagons


def test_new_maps_are_republished_only_after_the_wait_unless_forced(
        app, db_session, planted, monkeypatch):
    borough_id = planted[0].borough_id
    assert _refresh(app, db_session, borough_id)
    before = _published(db_session, borough_id)
    assert not _refresh(app, db_session, borough_id), "nothing changed: nothing to do"
    for mapping_session in planted:  # a new place marked by 12 pupils of three schools
        for _ in range(4):
            send(app, db_session, mapping_session,
                 feature(square(-600, 700, 90), reasons=["dark"], times=["evening"]))
    monkeypatch.setitem(app.config, "OGC_REFRESH_SECONDS", 300)
    assert not _refresh(app, db_session, borough_id), "changed, but republished just now"
    assert _published(db_session, borough_id).keys() == before.keys()
    monkeypatch.setitem(app.config, "OGC_REFRESH_SECONDS", 0)
    assert _refresh(app, db_session, borough_id)
    after = _published(db_session, borough_id)
    assert after.keys() - before.keys(), "the new place is published"
    assert _refresh(app, db_session, borough_id, force=True)
    record = db_session.scalars(select(Publication).where(
        Publication.borough_id == borough_id, Publication.collection == "heat_cells")).one()
    assert record.version == db_session.scalar(text("SELECT version FROM heatmap_state"))


def test_a_borough_without_maps_publishes_nothing(app, db_session):
    from tests.factories import add_borough
    borough_id = add_borough(db_session, code="E09000998", name="Emptyham")
    assert _refresh(app, db_session, borough_id)
    assert _refresh(app, db_session, borough_id, "hotspots")
    assert _published(db_session, borough_id) == {}


def test_the_publish_command_republishes_every_borough_with_a_progress_bar(
        app, runner, db_session, planted):
    result = runner.invoke(args=["ogc", "publish"])
    assert result.exit_code == 0, result.output
    assert "Published heat cells and hot spots for" in result.output
    assert "Publishing" in result.stderr
    count = db_session.scalar(select(func.count()).select_from(PublishedHeatCell).where(
        PublishedHeatCell.borough_id == planted[0].borough_id))
    assert count > 0


def test_the_publish_command_names_an_unknown_borough(runner):
    result = runner.invoke(args=["ogc", "publish", "--borough", "E00000000"])
    assert result.exit_code != 0
    assert "Unknown borough: E00000000" in result.output


def test_a_stale_copy_is_served_while_a_new_one_is_made_in_the_background(
        app, client, db_session, planted, monkeypatch):
    from core.accounts import services as accounts
    from tests.factories import add_user
    add_user(db_session, "planner", "planner@example.org", borough_code="E09000999")
    _token, secret = accounts.create_api_token(db_session=db_session,
                                               email="planner@example.org")
    db_session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    query = "/ogc/collections/heat_cells/items?limit=10000&filter=term%3D%27all%27"

    def ids():
        answer = client.get(query, headers=headers)
        assert answer.status_code == 200
        return {f["id"] for f in answer.json["features"]}

    before = ids()  # the first read publishes at once
    for mapping_session in planted:
        for _ in range(4):
            send(app, db_session, mapping_session,
                 feature(square(-600, 700, 90), reasons=["dark"], times=["evening"]))
    db_session.commit()
    monkeypatch.setitem(app.config, "OGC_REFRESH_SECONDS", 0)
    monkeypatch.setitem(app.config, "OGC_REFRESH_IN_BACKGROUND", True)
    assert ids() == before, "answered from the current copy, not after a rebuild"
    publishing.wait_for_background(timeout=120)
    monkeypatch.setitem(app.config, "OGC_REFRESH_IN_BACKGROUND", False)
    assert ids() - before, "the new place is in the next answer"
