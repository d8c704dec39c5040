"""The printed map rendered for real by both engines and read back with poppler and zbar."""

import io
import pickle

import pytest
from reportlab import rl_config
from reportlab.platypus import SimpleDocTemplate
from shapely.geometry import LineString

from mapping.haven_map_drawing import MapFeature
from mapping.haven_map_pdf import PageSpec, haven_map_pdf, needs_shaping
from mapping.haven_map_reportlab import _Paragraph, _styles
from tests.mapping.haven_maps import pdftools
from tests.mapping.haven_maps.content import FINDER, ODD_NAMES, content, entry

CHILD_WORDS = ("If you feel scared or in danger, go into a shop with this sticker and tell the "
               "staff.")
ENGINES = ("reportlab", "weasyprint")
RTL_NAMES = ["מכולת השכונה", "صيدلية النور"]


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


@pytest.fixture(scope="module", params=ENGINES)
def a4(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"a4-{request.param}")
    return pdftools.save(folder, haven_map_pdf(content(), engine=request.param)), folder


def many(count: int) -> list:
    return [entry(n, f"Shop number {n}", (n % 9) * 150 - 600, (n // 9) * 150 - 500)
            for n in range(1, count + 1)]


@pytest.mark.parametrize(("size", "orientation", "expected"), [
    ("A4", "portrait", pdftools.A4_PTS), ("A4", "landscape", pdftools.A4_PTS[::-1]),
    ("A3", "portrait", pdftools.A3_PTS), ("A3", "landscape", pdftools.A3_PTS[::-1])])
def test_page_sizes_are_exact(tmp_path, engine, size, orientation, expected):
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(many(30)), PageSpec(size, orientation),
                                                engine))
    sizes = pdftools.pages(pdf)
    assert len(sizes) >= 2 and all(s == pytest.approx(expected, abs=0.05) for s in sizes)


def test_the_handout_says_what_a_child_needs(a4):
    pdf, _folder = a4
    words = pdftools.flat(pdftools.text(pdf))
    assert "Safe Havens near Alder Primary School" in words
    assert CHILD_WORDS in words and "In an emergency, call 999." in words
    assert "Look for this sticker" in words
    for name in ("Corner Shop", "Café Zoë", "Library"):
        assert name in words
    assert "Mon-Sat 7:00-22:00; Sun closed" in words and "every school day" in words
    assert "Printed on 4 December 2026" in words
    assert f"Map ref {content().fingerprint}" in words
    assert "© OpenStreetMap contributors" in words
    assert "For Jimmy, 020 8000 0000" in words
    assert "Page 1 of 1" in words


def test_the_qr_code_opens_the_finder_for_this_school(a4):
    pdf, folder = a4
    assert pdftools.qr_codes(pdf, folder) == [FINDER]


def test_the_map_is_drawn_not_blank(a4):
    pdf, folder = a4
    grey = pdftools.grey_page(pdf, folder)
    height, width = grey.shape
    map_area = grey[int(height * 0.12):int(height * 0.55), int(width * 0.06):int(width * 0.94)]
    assert map_area.std() > 20  # streets, parks, markers: far from one flat colour
    assert (map_area < 60).mean() > 0.002  # the black haven circles and the school's star


def test_the_map_names_its_streets_and_numbers_its_havens(a4):
    pdf, _folder = a4
    first = pdftools.text(pdf, 1)
    assert "SCHOOL" in first and "1 km from school: about 15 minutes' walk" in first
    assert sum(f"East Road {n}" in first for n in range(41)) >= 5
    assert "1:1" in first  # the scale ratio, e.g. 1:16 900


def test_odd_latin_names_print_literally_on_both_engines(tmp_path, engine):
    havens = [entry(n, name, 100 * n, 50 * n) for n, name in enumerate(ODD_NAMES, 1)]
    school = "St Mary's <i>C of E</i> & Co"
    made = content(havens, school_name=school, contact="<script>alert(1)</script>")
    assert not needs_shaping(made)
    words = pdftools.flat(pdftools.text(pdftools.save(tmp_path, haven_map_pdf(made,
                                                                              engine=engine))))
    for name in ODD_NAMES:
        assert name in words, name
    assert school in words and "<script>alert(1)</script>" in words


def test_right_to_left_names_go_to_the_engine_that_shapes_them(tmp_path):
    havens = [entry(n, name, 100 * n, 50 * n) for n, name in enumerate(RTL_NAMES, 1)]
    made = content(havens)
    assert needs_shaping(made)
    assert not needs_shaping(content())
    pdf = pdftools.save(tmp_path, haven_map_pdf(made))
    assert "WeasyPrint" in pdftools.run("pdfinfo", pdf)
    words = pdftools.flat(pdftools.text(pdf))
    for name in RTL_NAMES:
        assert name in words, name


def test_a_street_name_in_arabic_also_needs_shaping():
    street = MapFeature("road", LineString([(0, 0), (1, 1)]), "شارع")
    assert needs_shaping(content(features=[street]))
    assert needs_shaping(content(contact="Cafe\u0301"))  # a combining accent


def test_a_long_legend_continues_on_the_next_page(tmp_path, engine):
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(many(40)), engine=engine))
    assert len(pdftools.pages(pdf)) >= 2
    first, second = pdftools.text(pdf, 1), pdftools.text(pdf, 2)
    assert "Shop number 1\n" in first + "\n" and "Shop number 40" not in first
    assert "Safe Havens near Alder Primary School (continued)" in pdftools.flat(second)
    everything = pdftools.flat(pdftools.text(pdf))
    for n in range(1, 41):
        assert everything.count(f"Shop number {n} ") == 1, n  # each listed exactly once


def test_landscape_lists_havens_beside_the_map_then_continues(tmp_path, engine):
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(many(20)), PageSpec("A4", "landscape"),
                                                engine))
    assert len(pdftools.pages(pdf)) == 2
    first, second = pdftools.flat(pdftools.text(pdf, 1)), pdftools.flat(pdftools.text(pdf, 2))
    assert "Shop number 1 " in first and "Shop number 20 " in second
    assert "Safe Havens within 1 km of the school (continued)" in second
    assert "Opening hours" in second  # the wide table, with its header, on the next page
    everything = pdftools.flat(pdftools.text(pdf))
    for n in range(1, 21):
        assert everything.count(f"Shop number {n} ") == 1, n


def test_a_short_landscape_poster_fits_one_page(tmp_path, engine):
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(), PageSpec("A3", "landscape"), engine))
    assert len(pdftools.pages(pdf)) == 1
    assert "Library" in pdftools.text(pdf)


def test_no_haven_in_range_still_helps(tmp_path, engine):
    nearest = [entry(1, "Far Pharmacy", 1400, 300, distance_m=1430),
               entry(2, "Distant Library", -1800, -900, distance_m=2010)]
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(nearest, beyond_radius=True),
                                                engine=engine))
    words = pdftools.flat(pdftools.text(pdf))
    assert "There is no Safe Haven within 1 km of the school yet." in words
    assert "The nearest Safe Havens" in words
    assert "Far Pharmacy" in words and "1.4 km" in words and "2 km" in words
    assert "For Jimmy, 020 8000 0000" in words


def test_a_typical_map_is_small_enough_to_email(a4):
    pdf, _folder = a4
    assert pdf.stat().st_size <= 250 * 1024


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be one of"):
        haven_map_pdf(content(), engine="chromium")


def test_a_map_sent_to_a_print_worker_prints_the_same():
    original = content()
    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 (our own bytes, as a pool sends)
    assert copy == original and copy.fingerprint == original.fingerprint
    assert [(f.layer, f.name, f.geometry.wkb) for f in copy.features] == [
        (f.layer, f.name, f.geometry.wkb) for f in original.features]
    assert haven_map_pdf(copy, engine="reportlab") == haven_map_pdf(original, engine="reportlab")


def test_each_map_prints_its_own_words_though_parsed_words_are_reused(tmp_path):
    first = haven_map_pdf(content(), engine="reportlab")
    other = [entry(1, "Corner Shop", 150, 80, hours="Mon-Fri 9:00-17:30", after_school="Mon only")]
    pdf = pdftools.save(tmp_path, haven_map_pdf(content(other), engine="reportlab"))
    words = pdftools.flat(pdftools.text(pdf))
    assert "Mon-Fri 9:00-17:30" in words and "Mon only" in words
    assert "Mon-Sat 7:00-22:00" not in words and "Café Zoë" not in words
    assert haven_map_pdf(content(), engine="reportlab") == first


def test_page_streams_are_binary_and_the_setting_is_left_as_it_was():
    before = rl_config.useA85
    pdf = haven_map_pdf(content(), engine="reportlab")
    assert rl_config.useA85 == before
    assert b"ASCII85Decode" not in pdf and b"FlateDecode" in pdf


def test_a_paragraph_longer_than_a_page_still_splits_across_pages(tmp_path):
    style = _styles(1.0, "portrait")["contact"]
    words = " ".join(f"word{n}" for n in range(1500))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([_Paragraph(words, style), _Paragraph(words, style)])
    pdf = pdftools.save(tmp_path, buffer.getvalue())
    assert len(pdftools.pages(pdf)) >= 3
    assert pdftools.flat(pdftools.text(pdf)).split() == words.split() * 2
