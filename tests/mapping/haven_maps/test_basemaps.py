"""Which basemap a printed map gets: the council's vector layers first, then configured tiles,
else a schematic of the borough and its wards; and each with its attribution."""

import json

import pytest

from core.basemap import services as basemap
from mapping import haven_maps
from mapping.haven_map_pdf import haven_map_pdf
from tests.mapping.conftest import lonlat
from tests.mapping.haven_maps import pdftools
from tests.mapping.haven_maps.conftest import ALDER
from tests.mapping.haven_maps.test_services import BASE, TODAY
from tests.mapping.haven_maps.test_tiles import TileServer


@pytest.fixture
def streets(db_session, schools, tmp_path):
    """Two named streets crossing near Alder, imported as an OpenStreetMap extract."""
    def way(name, start, end, highway):
        return {"type": "Feature", "properties": {"highway": highway, "name": name},
                "geometry": {"type": "LineString", "coordinates": [lonlat(*start),
                                                                   lonlat(*end)]}}
    collection = {"type": "FeatureCollection", "features": [
        way("Kestrel High Street", (-1500, 50), (1500, 80), "primary"),
        way("Larkspur Lane", (60, -1500), (90, 1500), "residential")]}
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps(collection))
    basemap.import_basemap(db_session=db_session, path=path)
    db_session.commit()


def alder(db_session):
    return haven_maps.school_map(db_session=db_session, urn=ALDER, base_url=BASE,
                                 today=TODAY).content


def words(content, tmp_path) -> str:
    return pdftools.flat(pdftools.text(pdftools.save(tmp_path, haven_map_pdf(content))))


def test_imported_streets_are_drawn_and_named_with_their_attribution(app_ctx, db_session,
                                                                      streets, tmp_path):
    content = alder(db_session)
    assert {f.layer for f in content.features} == {"major_road", "road"}
    assert content.tiles is None
    text = words(content, tmp_path)
    assert "Kestrel High Street" in text and "Larkspur Lane" in text
    assert "© OpenStreetMap contributors" in text


def test_without_a_basemap_the_map_is_a_schematic_of_borough_and_wards(app, app_ctx,
                                                                      db_session, streets,
                                                                      monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "PRINT_BASEMAP", "none")
    content = alder(db_session)
    assert {f.layer for f in content.features} == {"borough"}
    text = words(content, tmp_path)
    assert "Kestrel High Street" not in text
    assert "Boundaries: contains National Statistics data" in text


def test_configured_tiles_when_there_is_no_vector_basemap(app, app_ctx, db_session, schools,
                                                         monkeypatch, tmp_path):
    server = TileServer()
    try:
        monkeypatch.setitem(app.config, "PRINT_TILE_URL", server.url)
        monkeypatch.setitem(app.config, "PRINT_TILE_ATTRIBUTION", "© Council Tiles")
        monkeypatch.setitem(app.config, "PRINT_TILE_CACHE", str(tmp_path / "cache"))
        content = alder(db_session)
        assert content.tiles is not None and content.features == []
        assert server.requests
        text = words(content, tmp_path)
        assert "© Council Tiles" in text
        assert pdftools.save(tmp_path, haven_map_pdf(content)).stat().st_size < 600 * 1024

        server.broken = True  # a later map, with the cache gone and the server down
        monkeypatch.setitem(app.config, "PRINT_TILE_CACHE", str(tmp_path / "empty"))
        fallback = alder(db_session)
        assert fallback.tiles is None and fallback.attributions == [
            haven_maps.BOUNDARY_ATTRIBUTION]
    finally:
        server.httpd.shutdown()


def test_vector_layers_win_over_tiles(app, app_ctx, db_session, streets, monkeypatch):
    monkeypatch.setitem(app.config, "PRINT_TILE_URL", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    content = alder(db_session)
    assert content.tiles is None and content.features
