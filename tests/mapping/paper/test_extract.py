"""Reading photos of coloured worksheets back into zones, on synthetic phone photos."""

import subprocess

import cv2
import numpy as np
import pytest
from shapely.geometry import LineString, box

from mapping.haven_map_drawing import MapFeature
from mapping.paper import sheet
from mapping.paper.extract import PX_PER_MM, RetakeNeeded, extract
from mapping.paper.worksheet import WorksheetContent, worksheet_pdf
from tests.mapping.paper.synthetic import PX, make_photo

TEAL_AND_ORANGE = {"unsafe": (0.12, 0.50, 0.95), "safe": (0.62, 0.60, 0.12)}
PALE_PINK_AND_LIME = {"unsafe": (0.85, 0.78, 0.98), "safe": (0.78, 0.95, 0.75)}


def overlaps(photo, result) -> list[tuple[str, str | None, float]]:
    """For each drawn zone: its kind, the kind of the best-matching extracted zone, and the IoU."""
    matches = []
    for kind, truth in photo.zones:
        scored = [(z.polygon.intersection(truth).area / z.polygon.union(truth).area, z.kind)
                  for z in result.zones]
        iou, found = max(scored, default=(0.0, None))
        matches.append((kind, found, iou))
    return matches


def assert_read_well(photo, result, min_iou=0.8):
    for kind, found, iou in overlaps(photo, result):
        assert found == kind, f"a {kind} zone was read as {found}"
        assert iou >= min_iou, f"a {kind} zone overlaps only {iou:.2f}"
    for zone in result.zones:  # nothing extra: every zone lies on a drawn zone of its colour
        assert any(zone.kind == kind and zone.polygon.intersection(truth).area
                   > 0.5 * zone.polygon.area for kind, truth in photo.zones), zone


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_easy_photos_are_read_into_the_drawn_zones(seed):
    photo = make_photo(seed)
    result = extract(photo.jpeg, expected_session=42)
    assert (result.session_id, result.sheet, result.markers_found) == (42, 7, 8)
    assert len(result.zones) == len(photo.zones) == 3
    assert_read_well(photo, result)
    map_box = box(*sheet.MAP_BOX).buffer(1e-6)
    assert all(map_box.contains(zone.polygon) for zone in result.zones)
    assert result.rectified.shape == (round(297 * PX_PER_MM), round(210 * PX_PER_MM), 3)


@pytest.mark.parametrize("rotate", [90, 180])
def test_a_sheet_photographed_sideways_or_upside_down_is_read(rotate):
    photo = make_photo(7, rotate=rotate)
    assert_read_well(photo, extract(photo.jpeg))


@pytest.mark.parametrize("seed", [301, 302])
def test_a_blurred_photo_is_read(seed):
    """Out of focus by about half a millimetre: the code reads once sharpened."""
    photo = make_photo(seed, blur=5)
    assert_read_well(photo, extract(photo.jpeg, expected_session=42))


def test_a_decoded_image_array_is_read_too():
    photo = make_photo(8)
    image = cv2.imdecode(np.frombuffer(photo.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert_read_well(photo, extract(image, expected_session=42))


def test_one_hidden_corner_square_is_tolerated():
    photo = make_photo(9, hide=(0,))
    result = extract(photo.jpeg, expected_session=42)
    assert result.markers_found == 7
    assert_read_well(photo, result)


def test_two_hidden_corner_squares_ask_for_a_retake():
    photo = make_photo(9, hide=(0, 2))
    with pytest.raises(RetakeNeeded) as caught:
        extract(photo.jpeg, expected_session=42)
    assert caught.value.problem == "corner_hidden"
    assert caught.value.message.startswith("A corner square is hidden (top left and bottom right)")
    assert "all four corners in view" in caught.value.message


def test_a_sheet_of_another_session_is_refused():
    photo = make_photo(10, session_id=41, number=3)
    with pytest.raises(RetakeNeeded) as caught:
        extract(photo.jpeg, expected_session=42)
    assert caught.value.problem == "other_session"
    assert "belongs to another session" in caught.value.message
    read = extract(photo.jpeg)  # with no session to check, it says whose it is
    assert (read.session_id, read.sheet) == (41, 3)


def test_two_sheets_in_one_photo_ask_for_one_photo_each():
    left, right = (cv2.imdecode(np.frombuffer(make_photo(seed).jpeg, np.uint8), cv2.IMREAD_COLOR)
                   for seed in (1, 2))
    with pytest.raises(RetakeNeeded) as caught:
        extract(np.hstack([left, right]))
    assert caught.value.problem == "several_sheets"
    assert "one photo per sheet" in caught.value.message


def test_an_unreadable_code_asks_for_a_retake():
    photo = make_photo(11, cover_qr=True)
    with pytest.raises(RetakeNeeded) as caught:
        extract(photo.jpeg, expected_session=42)
    assert caught.value.problem == "qr_unreadable"
    assert caught.value.message.startswith("The code could not be read")


def test_a_file_that_is_not_a_photo_asks_for_a_photo():
    with pytest.raises(RetakeNeeded) as caught:
        extract(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert caught.value.problem == "unreadable"


def test_a_blank_sheet_has_no_zones():
    """The grey map, its labels and the printed text are not read as ink."""
    result = extract(make_photo(12, zones=0).jpeg, expected_session=42)
    assert result.zones == []


def test_pens_are_learnt_from_the_test_boxes():
    """An orange 'red' and a teal 'green' (teal is too far from the usual green to pass
    without the test box) are still told apart."""
    photo = make_photo(13, pens=TEAL_AND_ORANGE)
    assert_read_well(photo, extract(photo.jpeg, expected_session=42))


@pytest.mark.parametrize("seed", [17, 19])
def test_pale_pens_are_read_at_the_strength_their_test_boxes_show(seed):
    photo = make_photo(seed, pens=PALE_PINK_AND_LIME)
    assert_read_well(photo, extract(photo.jpeg, expected_session=42))


def test_usual_pens_are_read_when_the_test_boxes_are_left_empty():
    photo = make_photo(16, try_pens=False)
    assert_read_well(photo, extract(photo.jpeg, expected_session=42))


def test_edge_markers_straighten_curled_paper():
    """Paper bowing 10 mm at the middle of its sides: the corners alone leave the zones
    misplaced; the edge markers put them back."""
    curled = make_photo(14, curl_mm=10)
    with_edges = min(iou for _, _, iou in overlaps(curled, extract(curled.jpeg)))
    no_edges = make_photo(14, curl_mm=10, hide=sheet.EDGE_IDS)
    homography_only = min(iou for _, _, iou in overlaps(no_edges, extract(no_edges.jpeg)))
    assert with_edges >= 0.8
    assert homography_only < 0.7


def test_outlines_hatching_and_broken_outlines_become_whole_areas():
    """An outline never coloured in is filled; sparse hatching inside an outline the pen
    skipped on is closed into one area."""
    photo = make_photo(15, styles=("outline", "broken", "hatched"))
    result = extract(photo.jpeg, expected_session=42)
    assert len(result.zones) == 3
    assert_read_well(photo, result)


def test_warm_indoor_light_is_divided_out():
    """Under a yellow bulb the paper itself is coloured; measured against the paper white,
    the zones are read as in daylight."""
    photo = make_photo(15, warm=1.0)
    assert_read_well(photo, extract(photo.jpeg, expected_session=42))


def test_the_real_printed_worksheet_is_read(tmp_path):
    """The worksheet PDF as poppler prints it, coloured in and photographed."""
    x, y = 538000.0, 175000.0
    content = WorksheetContent(
        session_id=4242, code="ABCD-EFGH", class_label="7B", school_name="Alder Primary School",
        frame=sheet.frame_for((x - 1000, y - 1000, x + 1000, y + 1000)),
        features=[MapFeature("major_road", LineString([(x - 900, y), (x + 900, y + 40)]),
                             "Kestrel High Street")])
    (tmp_path / "sheets.pdf").write_bytes(worksheet_pdf(content, 2))
    subprocess.run(["pdftoppm", "-r", str(PX * 25.4), "-f", "2", "-l", "2", "-singlefile",
                    "-png", str(tmp_path / "sheets.pdf"), str(tmp_path / "page")], check=True)
    printed = cv2.imread(str(tmp_path / "page.png"), cv2.IMREAD_COLOR)
    photo = make_photo(30, printed=printed, styles=("filled", "hatched", "broken"))
    result = extract(photo.jpeg, expected_session=4242)
    assert (result.session_id, result.sheet, result.markers_found) == (4242, 2, 8)
    assert_read_well(photo, result, min_iou=0.9)
