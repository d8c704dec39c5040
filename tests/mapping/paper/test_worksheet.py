"""Paper worksheets: the printed sheet read back by the same tools that will read photos of it
(poppler renders it at 150 dpi, cv2.aruco finds the markers, zxing-cpp reads the QR code), and
the teacher's route that prints a session's sheets."""

import json

import cv2
import numpy as np
import pytest
import zxingcpp
from shapely.geometry import LineString, Point, Polygon

from core.basemap import services as basemap
from mapping import codes
from mapping.haven_map_drawing import MapFeature
from mapping.paper import sheet
from mapping.paper.worksheet import WorksheetContent, grey, worksheet_pdf
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import lonlat
from tests.mapping.haven_maps import pdftools

DPI = 150
PX_PER_MM = DPI / 25.4
CENTRE = (538000.0, 175000.0)
SHEETS = 3


def _content() -> WorksheetContent:
    cx, cy = CENTRE
    features = [
        MapFeature("major_road", LineString([(cx - 2000, cy + 50), (cx + 2000, cy + 80)]),
                   "Kestrel High Street"),
        MapFeature("road", LineString([(cx + 60, cy - 2000), (cx + 90, cy + 2000)]),
                   "Larkspur Lane"),
        MapFeature("park", Polygon([(cx + 200, cy + 200), (cx + 600, cy + 200),
                                    (cx + 600, cy + 500), (cx + 200, cy + 500)])),
        MapFeature("water", Point(cx - 500, cy - 500).buffer(200)),
    ]
    return WorksheetContent(
        session_id=4242, code="ABCD-EFGH", class_label="7B", school_name="Alder Primary School",
        frame=sheet.frame_for((cx - 1500, cy - 1500, cx + 1500, cy + 1500)),
        area=Point(cx, cy).buffer(1500), school=CENTRE, features=features,
        attributions=["© OpenStreetMap contributors"])


def render(pdf_path, tmp_path, page: int) -> np.ndarray:
    """A page as poppler prints it at 150 dpi, BGR."""
    stem = tmp_path / f"page-{page}"
    pdftools.run("pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page),
                 "-singlefile", pdf_path, stem)
    return cv2.imread(str(stem.with_suffix(".png")))


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Three sheets of a session, as a PDF file and its pages rendered."""
    folder = tmp_path_factory.mktemp("worksheets")
    path = pdftools.save(folder, worksheet_pdf(_content(), SHEETS), "worksheets.pdf")
    return path, [render(path, folder, page) for page in range(1, SHEETS + 1)]


def markers_mm(image: np.ndarray) -> dict[int, np.ndarray]:
    """Each ArUco marker cv2 finds on the page: its four corners in page millimetres."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, sheet.ARUCO_DICTIONARY))
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    corners, ids, _rejected = detector.detectMarkers(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    assert ids is not None
    # pixel centres sit half a pixel in from the pixel's top-left corner
    return {int(i): (c.reshape(4, 2) + 0.5) / PX_PER_MM for i, c in zip(ids.ravel(), corners,
                                                                        strict=True)}


def test_one_a4_page_per_sheet(printed):
    path, _pages = printed
    sizes = pdftools.pages(path)
    assert len(sizes) == SHEETS
    assert np.allclose(sizes, [pdftools.A4_PTS] * SHEETS, atol=0.01)  # 210 x 297 mm


def test_every_marker_is_found_where_the_sheet_says_within_1_mm(printed):
    _path, pages = printed
    for image in pages:
        found = markers_mm(image)
        assert sorted(found) == sorted(sheet.MARKERS)
        for marker_id, corners in found.items():
            error = np.abs(corners - np.array(sheet.marker_corners(marker_id))).max()
            assert error < 1.0, (marker_id, error)


def test_markers_have_their_sizes_and_white_round_them(printed):
    _path, pages = printed
    image = cv2.cvtColor(pages[0], cv2.COLOR_BGR2GRAY)
    for marker_id, corners in markers_mm(pages[0]).items():
        sides = np.linalg.norm(corners - np.roll(corners, 1, axis=0), axis=1)
        expected = sheet.CORNER_MM if marker_id in sheet.CORNER_IDS else sheet.EDGE_MM
        assert np.allclose(sides, expected, atol=0.3), (marker_id, sides)
        assert expected >= (16 if marker_id in sheet.CORNER_IDS else 10)
        left, top, size = sheet.MARKERS[marker_id]
        ring = image[round((top - sheet.QUIET_MM + 0.3) * PX_PER_MM):
                     round((top + size + sheet.QUIET_MM - 0.3) * PX_PER_MM),
                     round((left - sheet.QUIET_MM + 0.3) * PX_PER_MM):
                     round((left + size + sheet.QUIET_MM - 0.3) * PX_PER_MM)].copy()
        inner = round((sheet.QUIET_MM - 0.6) * PX_PER_MM)
        ring[inner:-inner, inner:-inner] = 255  # the marker itself
        assert ring.min() >= 250, marker_id


def test_the_qr_code_says_session_and_sheet_on_every_page(printed):
    _path, pages = printed
    for number, image in enumerate(pages, 1):
        found = zxingcpp.read_barcodes(image)
        assert [code.text for code in found] == [sheet.qr_payload(4242, number)]
        assert sheet.parse_qr(found[0].text) == (4242, number)
        assert found[0].ec_level in ("M", "Q", "H")


def test_the_qr_code_is_at_least_30_mm_inside_its_box_with_white_round_it(printed):
    _path, pages = printed
    code = zxingcpp.read_barcodes(pages[0])[0]
    position = code.position
    xs = np.array([position.top_left.x, position.top_right.x, position.bottom_right.x,
                   position.bottom_left.x]) / PX_PER_MM
    ys = np.array([position.top_left.y, position.top_right.y, position.bottom_right.y,
                   position.bottom_left.y]) / PX_PER_MM
    # zxing reports the centres of the outer modules' pixels: up to a pixel short of the edge
    assert 30.0 - 2 / PX_PER_MM <= xs.max() - xs.min() <= 31.0
    assert 30.0 - 2 / PX_PER_MM <= ys.max() - ys.min() <= 31.0
    left, top, right, bottom = sheet.QR_BOX
    assert left <= xs.min() and xs.max() <= right and top <= ys.min() and ys.max() <= bottom
    grey_page = cv2.cvtColor(pages[0], cv2.COLOR_BGR2GRAY)
    around = grey_page[round((ys.min() - 6) * PX_PER_MM):round((ys.max() + 6) * PX_PER_MM),
                       round((xs.min() - 6) * PX_PER_MM):round((xs.max() + 6) * PX_PER_MM)]
    quiet = round((6 - sheet.QUIET_MM) * PX_PER_MM)
    edge = round(5.5 * PX_PER_MM)  # stop short of the symbol's edge
    for band in (around[quiet:edge], around[-edge:-quiet], around[:, quiet:edge],
                 around[:, -edge:-quiet]):
        assert band.min() >= 250


def chroma(image: np.ndarray) -> np.ndarray:
    """Each pixel's colourfulness in CIE Lab (0 for a neutral grey)."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(float)
    return np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)


def test_nothing_on_the_sheet_is_coloured(printed):
    _path, pages = printed
    for image in pages:
        assert chroma(image).max() <= 2.0
    # the same check sees the pale yellow of a major road on the haven maps
    yellow = np.full((4, 4, 3), (0xa4, 0xe7, 0xfb), dtype=np.uint8)
    assert chroma(yellow).min() > 20


def test_the_map_is_drawn_in_light_greys(printed):
    _path, pages = printed
    frame = sheet.frame_for((CENTRE[0] - 1500, CENTRE[1] - 1500, CENTRE[0] + 1500,
                             CENTRE[1] + 1500))
    image = cv2.cvtColor(pages[0], cv2.COLOR_BGR2GRAY)
    left, top, right, bottom = (round(v * PX_PER_MM) for v in sheet.MAP_BOX)
    inside = image[top + 3:bottom - 3, left + 3:right - 3]
    assert np.percentile(inside, 1) >= 150  # light: a felt-tip is darker than nearly all of it
    # the main road crosses the map where the frame puts it: a grey band, not blank paper
    x, y = frame.to_page(CENTRE[0] - 1200, CENTRE[1] + 56)
    column = image[round((y - 2) * PX_PER_MM):round((y + 2) * PX_PER_MM), round(x * PX_PER_MM)]
    assert column.min() < 200
    assert grey("#fbe7a4") == "#f4f4f4" and grey("#000000") == "#8c8c8c"


def test_the_words_on_each_sheet(printed):
    path, _pages = printed
    for number in range(1, SHEETS + 1):
        words = pdftools.flat(pdftools.text(path, number))
        assert "ABCD-EFGH" in words
        assert f"Sheet {number} of {SHEETS}" in words
        for expected in ("RED = I feel unsafe", "GREEN = I feel safe",
                         "Draw a firm outline, then colour the whole area in.",
                         "Leave a finger's width between areas.",
                         "Keep the squares and the code clean; don't fold.",
                         "Print at 100% (actual size)", "Alder Primary School",
                         "Kestrel High Street", "© OpenStreetMap contributors"):
            assert expected in words, expected


def test_sheet_counts_out_of_range_are_refused():
    for bad in (0, 61):
        with pytest.raises(ValueError, match="from 1 to 60"):
            worksheet_pdf(_content(), bad)


# The teacher's route


@pytest.fixture
def session_with_streets(open_session, db_session, tmp_path):
    """The open session, with two named streets across its area in the basemap."""
    def way(name, start, end, highway):
        return {"type": "Feature", "properties": {"highway": highway, "name": name},
                "geometry": {"type": "LineString", "coordinates": [lonlat(*start),
                                                                   lonlat(*end)]}}
    path = tmp_path / "streets.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        way("Kestrel High Street", (-1500, 50), (1500, 80), "primary"),
        way("Larkspur Lane", (60, -1500), (90, 1500), "residential")]}))
    basemap.import_basemap(db_session=db_session, path=path)
    db_session.commit()
    return open_session


def page_count(pdf: bytes, tmp_path) -> int:
    """How many pages poppler counts."""
    return len(pdftools.pages(pdftools.save(tmp_path, pdf, "route.pdf")))


def test_the_teacher_prints_the_sessions_sheets(client, db_session, session_with_streets,
                                                tmp_path):
    session = session_with_streets
    login(client, "teacher@example.org")
    page = client.get(f"/mapping/sessions/{session.id}").get_data(as_text=True)
    assert "Print paper worksheets" in page
    assert f"/mapping/sessions/{session.id}/worksheets.pdf" in page

    response = client.get(f"/mapping/sessions/{session.id}/worksheets.pdf?sheets=2")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="worksheets-{session.id}.pdf"' in response.headers["Content-Disposition"]
    path = pdftools.save(tmp_path, response.data)
    assert len(pdftools.pages(path)) == 2
    words = pdftools.flat(pdftools.text(path, 2))
    assert codes.display(session.join_code) in words and "Sheet 2 of 2" in words
    assert "Class 7B" in words and "Alder Primary School" in words
    assert "Kestrel High Street" in words and "Larkspur Lane" in words
    image = render(path, tmp_path, 2)
    assert [c.text for c in zxingcpp.read_barcodes(image)] == [sheet.qr_payload(session.id, 2)]
    assert sorted(markers_mm(image)) == sorted(sheet.MARKERS)
    assert chroma(image).max() <= 2.0


def test_without_a_count_it_prints_one_per_expected_pupil_or_30(client, db_session,
                                                                open_session, tmp_path):
    login(client, "teacher@example.org")
    url = f"/mapping/sessions/{open_session.id}/worksheets.pdf"
    assert page_count(client.get(url).data, tmp_path) == 30
    open_session.expected_pupils = 27
    db_session.commit()
    assert page_count(client.get(url).data, tmp_path) == 27
    open_session.expected_pupils = 90  # more than one PDF holds: the most it prints
    db_session.commit()
    assert page_count(client.get(url).data, tmp_path) == 60


@pytest.mark.parametrize("sheets", ["0", "61", "abc", "2.5", "-3"])
def test_a_bad_sheet_count_says_what_is_wrong(client, open_session, sheets):
    login(client, "teacher@example.org")
    response = client.get(f"/mapping/sessions/{open_session.id}/worksheets.pdf?sheets={sheets}",
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "sheets must be a whole number from 1 to 60.")


def test_only_the_sessions_teacher_or_an_admin_can_print_it(client, db_session, open_session,
                                                           tmp_path):
    url = f"/mapping/sessions/{open_session.id}/worksheets.pdf?sheets=1"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    add_user(db_session, "teacher", "other@example.org", school_urns=[100001])
    add_user(db_session, "admin", "admin@example.org")
    login(client, "other@example.org")
    assert client.get(url).status_code == 404
    assert client.get("/mapping/sessions/999999/worksheets.pdf").status_code == 404
    login(client, "admin@example.org")
    response = client.get(url)
    assert response.status_code == 200 and page_count(response.data, tmp_path) == 1

