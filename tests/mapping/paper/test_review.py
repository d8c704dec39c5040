"""Paper sheets end to end: the real worksheet is printed, coloured, photographed (as a JPEG
with a GPS position in its EXIF) and uploaded; the teacher reviews it and adds it; bad files are
refused and nothing is stored; the same sheet is never added twice."""

import io
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.geometry import Polygon, box, shape
from sqlalchemy import func, select, update

from core.geo import transformer
from mapping.models import PupilMap, Zone
from mapping.paper import extract, photos, reading, sheet
from mapping.paper import queries as paper_queries
from mapping.paper.models import PaperSheet
from tests.core.accounts.helpers import login
from tests.factories import add_user
from tests.mapping.conftest import open_session, teacher  # noqa: F401 (fixtures)

DPI = 150
PX_PER_MM = DPI / 25.4
RED, GREEN = (40, 35, 205), (60, 150, 50)  # felt-tip ink, BGR
UNSAFE_AREA = box(90, 100, 120, 130)  # page mm, inside the map box
SAFE_AREA = box(95, 60, 115, 80)
GPS_EXIF = 0x8825


@pytest.fixture
def client(app, teacher):  # noqa: F811
    client = app.test_client()
    assert login(client, teacher.email).status_code == 302
    return client


def _printed_page(client, session_id: int, number: int = 1) -> np.ndarray:
    """Page `number` of the session's real worksheet PDF, as a 150 dpi picture."""
    pdf = client.get(f"/mapping/sessions/{session_id}/worksheets.pdf?sheets={number}")
    assert pdf.status_code == 200
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "sheets.pdf")
        source.write_bytes(pdf.data)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(number), "-l", str(number),
                        "-singlefile", "-png", str(source), str(Path(folder, "page"))],
                       check=True, capture_output=True)
        return cv2.imread(str(Path(folder, "page.png")), cv2.IMREAD_COLOR)


def _colour(page: np.ndarray, area: Polygon, ink) -> None:
    points = np.array([(x * PX_PER_MM, y * PX_PER_MM) for x, y in area.exterior.coords],
                      np.int32)
    cv2.fillPoly(page, [points], ink)
    cv2.polylines(page, [points], True, tuple(max(c - 30, 0) for c in ink), 4)


def _coloured_photo(page: np.ndarray) -> bytes:
    """The sheet with a red and a green area and both pen tests, as a phone JPEG with GPS."""
    page = page.copy()
    for area, ink in ((UNSAFE_AREA, RED), (SAFE_AREA, GREEN),
                      (box(*sheet.RED_TEST_BOX).buffer(-3), RED),
                      (box(*sheet.GREEN_TEST_BOX).buffer(-3), GREEN)):
        _colour(page, area, ink)
    picture = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_EXIF).update({1: "N", 2: (51.0, 27.0, 0.0), 3: "W", 4: (0.0, 1.0, 0.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88, exif=exif.tobytes())
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(GPS_EXIF)
    return out.getvalue()


def _upload(client, session_id: int, *files, keep: bool = False):
    data = {"photos": [(io.BytesIO(content), name) for name, content in files],
            "csrf_token": _csrf(client, session_id)}
    if keep:
        data["keep"] = "yes"
    return client.post(f"/mapping/sessions/{session_id}/paper", data=data,
                       content_type="multipart/form-data")


def _csrf(client, session_id: int) -> str:
    page = client.get(f"/mapping/sessions/{session_id}/paper").get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _page_to_lonlat(db_session, session_id: int, area: Polygon) -> Polygon:
    row = paper_queries.session_in_work_crs(db_session, session_id, 27700)
    frame = sheet.frame_for(shapely.from_wkb(row.area_wkb).bounds)
    to_lonlat = transformer(27700, 4326)

    def convert(points: np.ndarray) -> np.ndarray:
        ground = np.array([frame.to_ground(x, y) for x, y in points])
        return np.column_stack(to_lonlat.transform(ground[:, 0], ground[:, 1]))

    return shapely.transform(area, convert)


def _iou(a, b) -> float:
    return a.intersection(b).area / a.union(b).area


def test_a_photographed_sheet_is_read_reviewed_and_added_once(
        client, db_session, open_session):  # noqa: F811
    photo = _coloured_photo(_printed_page(client, open_session.id))
    answer = _upload(client, open_session.id, ("IMG_0001.jpg", photo), keep=True)
    assert answer.status_code == 303

    paper = db_session.scalars(select(PaperSheet)).one()
    assert (paper.status, paper.sheet, paper.problem) == ("ready", 1, None)
    # the kept photo is our own JPEG: no EXIF, no GPS, no camera maker
    kept = Image.open(io.BytesIO(paper.photo))
    assert not kept.getexif() and b"PhoneMaker" not in paper.photo
    kinds = sorted(zone["kind"] for zone in paper.zones)
    assert kinds == ["safe", "unsafe"]
    for zone in paper.zones:
        expected = UNSAFE_AREA if zone["kind"] == "unsafe" else SAFE_AREA
        on_ground = _page_to_lonlat(db_session, open_session.id, expected)
        assert _iou(shape(zone["geometry"]), on_ground) >= 0.8, zone["kind"]

    page = client.get(f"/mapping/sessions/{open_session.id}/paper").get_data(as_text=True)
    assert "Sheet 1" in page and "Leave out area 1" in page
    image = client.get(f"/mapping/sessions/{open_session.id}/paper/{paper.id}.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data.startswith(b"\xff\xd8\xff")

    form = {"csrf_token": _csrf(client, open_session.id), "sheet": [str(paper.id)],
            "unsafe_reasons": ["dark"], "safe_reasons": ["busy_bright"],
            "times": ["after_school"]}
    refused = client.post(f"/mapping/sessions/{open_session.id}/paper/add",
                          data={**form, "times": []})
    assert refused.status_code == 400 and "time of day" in refused.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 0
    added = client.post(f"/mapping/sessions/{open_session.id}/paper/add", data=form,
                        follow_redirects=True)
    assert "Sheet 1: added with 2 area(s)." in added.get_data(as_text=True)
    db_session.expire_all()
    pupil_map = db_session.scalars(select(PupilMap)).one()
    zones = db_session.scalars(select(Zone).where(Zone.pupil_map_id == pupil_map.id)).all()
    assert sorted(z.kind for z in zones) == ["safe", "unsafe"]
    assert all(z.times == ["after_school"] for z in zones)
    assert db_session.get(PaperSheet, paper.id).pupil_map_id == pupil_map.id

    # the same sheet photographed again is read but never added a second time
    assert _upload(client, open_session.id, ("IMG_0002.jpg", photo)).status_code == 303
    db_session.expire_all()
    again = db_session.scalars(select(PaperSheet).order_by(PaperSheet.id.desc())).first()
    assert again.status == "replaced" and "already on the class map" in again.problem
    assert again.photo is None  # not kept: deleted once read
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 1


def test_a_scanned_pdf_is_read_page_by_page(client, db_session, open_session):  # noqa: F811
    page = cv2.cvtColor(cv2.imdecode(np.frombuffer(_coloured_photo(
        _printed_page(client, open_session.id)), np.uint8), cv2.IMREAD_COLOR),
        cv2.COLOR_BGR2RGB)
    scan = io.BytesIO()
    Image.fromarray(page).save(scan, "PDF", resolution=DPI)
    assert _upload(client, open_session.id, ("scans.pdf", scan.getvalue())).status_code == 303
    paper = db_session.scalars(select(PaperSheet)).one()
    assert (paper.status, paper.sheet) == ("ready", 1)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("sheet.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "is not a photo or a scan"),
    ("sheet.jpg", b"<html><body>not a photo</body></html>", "is not a photo or a scan"),
    ("notes.txt", b"hello", "is not a photo or a scan"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "could not be opened"),
    ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (21 * 1024 * 1024), "bigger than"),
])
def test_files_that_are_not_photos_are_refused_and_nothing_is_stored(
        client, db_session, open_session, name, content, words):  # noqa: F811
    photo = _coloured_photo(_printed_page(client, open_session.id)) if name == "sheet.svg" \
        else None
    files = [(name, content)] + ([("good.jpg", photo)] if photo else [])
    answer = _upload(client, open_session.id, *files)
    assert answer.status_code == 400
    assert words in answer.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(PaperSheet)) == 0


def test_a_sheet_of_another_session_is_sent_back_with_the_reason(
        app, client, db_session, open_session, teacher):  # noqa: F811
    other = app.test_client()
    add_user(db_session, "teacher", "other@example.org", school_urns=[100001])
    db_session.commit()
    with app.app_context():
        from mapping import services
        second = services.create_session(db_session=db_session, teacher=teacher,
                                         school_urn=100001, class_label="8C", year_group=8)
    photo = _coloured_photo(_printed_page(client, second.id))
    assert _upload(client, open_session.id, ("wrong.jpg", photo)).status_code == 303
    paper = db_session.scalars(select(PaperSheet)).one()
    assert paper.status == "retake" and "another" in paper.problem
    assert "another" in client.get(f"/mapping/sessions/{open_session.id}/paper").get_data(
        as_text=True)
    # another teacher sees none of it
    assert login(other, "other@example.org").status_code == 302
    assert other.get(f"/mapping/sessions/{open_session.id}/paper").status_code == 404
    assert other.get(f"/mapping/sessions/{open_session.id}/paper/{paper.id}.jpg"
                     ).status_code == 404


def test_photographed_sheets_go_with_the_retention_purge(
        app, client, db_session, open_session, runner):  # noqa: F811
    photo = _coloured_photo(_printed_page(client, open_session.id))
    _upload(client, open_session.id, ("old.jpg", photo), keep=True)
    _upload(client, open_session.id, ("new.jpg", photo), keep=True)
    old, new = db_session.scalars(select(PaperSheet.id).order_by(PaperSheet.id)).all()
    days = app.config["PUPIL_DATA_RETENTION_DAYS"]
    db_session.execute(update(PaperSheet).where(PaperSheet.id == old).values(
        received_at=datetime.now(UTC) - timedelta(days=days + 1)))
    db_session.commit()
    result = runner.invoke(args=["mapping", "purge-expired"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.scalars(select(PaperSheet.id)).all() == [new]


@pytest.mark.parametrize(("outline", "words"), [
    ("90,100 95,100", "at least three points"),
    ("1,1 50,1 50,50 1,50", "goes outside the map"),
    ("90,100 120,130 120,100 90,130", "crosses itself"),
    ("90,100 nine,100 95,110", "at least three points"),
])
def test_a_redrawn_outline_that_cannot_be_used_is_refused_and_nothing_is_added(
        client, db_session, open_session, outline, words):  # noqa: F811
    photo = _coloured_photo(_printed_page(client, open_session.id))
    _upload(client, open_session.id, ("IMG_0001.jpg", photo))
    paper = db_session.scalars(select(PaperSheet)).one()
    answer = client.post(f"/mapping/sessions/{open_session.id}/paper/add", data={
        "csrf_token": _csrf(client, open_session.id), "sheet": [str(paper.id)],
        "unsafe_reasons": ["dark"], "safe_reasons": ["busy_bright"], "times": ["evening"],
        "redraw": [f"{paper.id}:0:{outline}"]})
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(PupilMap)) == 0


def test_sheets_left_waiting_by_a_restart_are_read_when_the_page_is_opened(
        client, db_session, open_session):  # noqa: F811
    photo = _coloured_photo(_printed_page(client, open_session.id))
    db_session.add(PaperSheet(session_id=open_session.id, photo=photos.photos_from("a.jpg",
                                                                                    photo)[0]))
    db_session.commit()
    page = client.get(f"/mapping/sessions/{open_session.id}/paper").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalars(select(PaperSheet.status)).one() == "ready"
    assert "0 waiting to be read · 1 ready to check" in page


def test_a_photo_the_reader_chokes_on_is_sent_back_not_a_server_error(
        client, db_session, open_session, monkeypatch):  # noqa: F811
    """Photos are untrusted input to OpenCV and zxing-cpp: a crash there becomes a retake."""
    def choke(*_args, **_kwargs):
        raise RuntimeError("decoder crashed")

    monkeypatch.setattr(extract, "extract", choke)
    photo = _coloured_photo(_printed_page(client, open_session.id))
    assert _upload(client, open_session.id, ("odd.jpg", photo)).status_code == 303
    paper = db_session.scalars(select(PaperSheet)).one()
    assert (paper.status, paper.problem) == ("retake", reading.UNREADABLE)
