"""Where a printed map's labels go: numbers never collide, never hide a haven, stay on the map."""

import itertools
import math
import random

import pytest

from mapping.haven_map_layout import frame_around, place_labels

PAGE = (0.0, 0.0, 190.0, 128.0)
R = 2.6


def _no_overlaps(labels, radius=R):
    for a, b in itertools.combinations(labels, 2):
        assert math.hypot(a.label_x - b.label_x, a.label_y - b.label_y) >= 2 * radius, (a, b)


def _inside(labels, page=PAGE, radius=R):
    left, top, right, bottom = page
    for label in labels:
        assert left + radius <= label.label_x <= right - radius
        assert top + radius <= label.label_y <= bottom - radius


def test_frame_shows_the_whole_walking_circle_in_the_box_shape():
    frame = frame_around((1000.0, 2000.0), 1000, (190, 128))
    assert frame.east - frame.west == pytest.approx((frame.north - frame.south) * 190 / 128)
    assert frame.north - 2000 >= 1000 and 2000 - frame.south >= 1000
    assert frame.west < 0 and frame.east > 2000
    assert frame.to_page(1000, 2000) == pytest.approx((95, 64))


def test_frame_widens_to_include_havens_beyond_the_radius():
    far = (1000.0 + 2600, 2000.0 - 300)
    frame = frame_around((1000.0, 2000.0), 1000, (190, 128), include=[far])
    assert frame.west < far[0] < frame.east and frame.south < far[1] < frame.north
    assert frame.to_page(1000, 2000) == pytest.approx((95, 64))  # still centred on the school


def test_lonely_havens_keep_their_place():
    points = [(20.0, 20.0), (100.0, 60.0), (170.0, 110.0)]
    labels = place_labels(points, radius_mm=R, page=PAGE)
    assert [(lb.label_x, lb.label_y) for lb in labels] == points
    assert [lb.number for lb in labels] == [1, 2, 3]
    assert not any(lb.moved for lb in labels)


def test_forty_havens_in_one_spot_get_forty_separate_numbers_with_leaders():
    points = [(95.0, 64.0)] * 40
    labels = place_labels(points, radius_mm=R, page=PAGE)
    assert len(labels) == 40 and sorted(lb.number for lb in labels) == list(range(1, 41))
    _no_overlaps(labels)
    _inside(labels)
    assert all(lb.moved and (lb.x, lb.y) == (95.0, 64.0) for lb in labels)


def test_a_shopping_parade_packs_tight_without_overlap_or_hiding_a_shop():
    points = [(60.0 + i * 1.5, 50.0 + (i % 3) * 0.8) for i in range(25)]
    labels = place_labels(points, radius_mm=R, page=PAGE)
    _no_overlaps(labels)
    _inside(labels)
    for label, (other_number, (px, py)) in itertools.product(labels, enumerate(points, 1)):
        if other_number != label.number:
            assert math.hypot(label.label_x - px, label.label_y - py) >= R, (label, other_number)


def test_labels_keep_out_of_obstacles_and_off_the_page_edge():
    school_box = (90.0, 60.0, 110.0, 68.0)
    points = [(100.0, 64.0), (1.0, 1.0), (189.5, 127.5)]
    labels = place_labels(points, radius_mm=R, page=PAGE, obstacles=[school_box])
    _inside(labels)
    first = labels[0]
    assert first.moved
    nearest_x = min(max(first.label_x, 90.0), 110.0)
    nearest_y = min(max(first.label_y, 60.0), 68.0)
    assert math.hypot(first.label_x - nearest_x, first.label_y - nearest_y) >= R


def test_moved_labels_stay_close_to_their_haven():
    points = [(95.0, 64.0)] * 8
    labels = place_labels(points, radius_mm=R, page=PAGE)
    assert max(math.hypot(lb.label_x - lb.x, lb.label_y - lb.y) for lb in labels) < 6 * R


def test_crowded_high_streets_keep_every_rule():
    rng = random.Random(7)
    points = [(rng.gauss(cx, 4.0), rng.gauss(cy, 2.0)) for cx, cy in
              ((40.0, 30.0), (95.0, 64.0), (150.0, 100.0)) for _ in range(40)]
    points += [(rng.uniform(5, 185), rng.uniform(5, 123)) for _ in range(30)]
    obstacles = [(80.0, 55.0, 110.0, 70.0)]
    labels = place_labels(points, radius_mm=R, page=PAGE, obstacles=obstacles)
    assert sorted(lb.number for lb in labels) == list(range(1, len(points) + 1))
    _no_overlaps(labels)
    _inside(labels)
    for label in labels:
        for number, (px, py) in enumerate(points, 1):
            if number != label.number:  # no number hides another haven's dot
                assert math.hypot(label.label_x - px, label.label_y - py) >= R + 1.0
        left, top, right, bottom = obstacles[0]
        nearest = (min(max(label.label_x, left), right), min(max(label.label_y, top), bottom))
        assert math.hypot(label.label_x - nearest[0], label.label_y - nearest[1]) >= R
