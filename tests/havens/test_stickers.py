"""Window sticker PDFs, rendered for real and read back with poppler and zbar."""

import html
import re
import subprocess
from pathlib import Path

import pytest

from havens.stickers import MESSAGE, SIZES, _fetcher, sticker_pdf

URL = "https://havens.example.org/havens/42?from=sticker"
NAME = "Patel's Corner Shop & Post Office"
HOSTILE = "<img src=x onerror=alert(1)>Corner Shop & Sons"
LONG_NAME = ("Long Name Hardware and Garden Supplies " * 6)[:200]
PAGE_PTS = {"A5": (419.53, 595.28), "A4": (595.28, 841.89)}
DPI = 150
# DejaVu Sans's ascent plus descent, in em: a word's bounding box is this tall.
DEJAVU_LINE_EM = 1.164


def write_pdf(tmp_path: Path, name: str = NAME, size: str = "A5", **kwargs) -> Path:
    """Render a sticker into tmp_path and return the PDF's path."""
    pdf = tmp_path / f"sticker-{size}.pdf"
    pdf.write_bytes(sticker_pdf(name=name, url=kwargs.pop("url", URL), size=size, **kwargs))
    return pdf


def run(*args: str | Path) -> str:
    """Run a command-line tool and return its standard output."""
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def pdfinfo(pdf: Path) -> tuple[int, float, float]:
    """Number of pages and the page width and height in points."""
    info = run("pdfinfo", pdf)
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    width, height = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups()
    return pages, float(width), float(height)


def compact(text: str) -> str:
    """Text without any whitespace, so line wrapping does not matter."""
    return "".join(text.split())


def words(pdf: Path) -> list[tuple[str, float, float]]:
    """Each word on page 1 with its bounding box's top and height in points."""
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
                       run("pdftotext", "-bbox", "-f", "1", "-l", "1", pdf, "-"))
    return [(html.unescape(w), float(top), float(bottom) - float(top)) for top, bottom, w in boxes]


def page_image(pdf: Path, fmt: str = "-png") -> Path:
    """Page 1 rendered at DPI, as PNG or (with fmt="-gray") as greyscale PGM."""
    stem = pdf.with_suffix("")
    run("pdftoppm", "-r", str(DPI), fmt, "-f", "1", "-l", "1", "-singlefile", pdf, stem)
    return pdf.with_suffix(".pgm" if fmt == "-gray" else ".png")


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and pixel bytes of a binary PGM."""
    data = path.read_bytes()
    magic, width, height, _maxval, pixels = data.split(maxsplit=4)
    assert magic == b"P5"
    return int(width), int(height), pixels


def qr_width_mm(pdf: Path) -> float:
    """Width of the printed QR symbol (its dark modules), found just above its caption."""
    caption_top = next(top for word, top, _ in words(pdf) if word == "Scan")
    width, _height, pixels = read_pgm(page_image(pdf, "-gray"))
    left = int(width * 0.6)  # the QR column; the children's message is to its left
    gap = round(3 / 25.4 * DPI)  # the quiet zone is wider than any white run inside the code
    dark_rows, white_run = [], 0
    for y in range(round(caption_top / 72 * DPI), -1, -1):
        row = pixels[y * width + left:(y + 1) * width]
        if min(row) < 128:
            dark_rows.append(row)
            white_run = 0
        elif dark_rows:
            white_run += 1
            if white_run > gap:
                break
    xs = [x for row in dark_rows for x in (row.find(b"\x00"), row.rfind(b"\x00")) if x >= 0]
    return (max(xs) - min(xs) + 1) / DPI * 25.4


@pytest.mark.parametrize("size", SIZES)
def test_one_page_of_the_right_size(tmp_path, size):
    pages, width, height = pdfinfo(write_pdf(tmp_path, size=size))
    assert pages == 1
    assert width == pytest.approx(PAGE_PTS[size][0], abs=1)
    assert height == pytest.approx(PAGE_PTS[size][1], abs=1)


@pytest.mark.parametrize("size", SIZES)
def test_text_has_the_sign_the_message_and_the_name(tmp_path, size):
    text = run("pdftotext", write_pdf(tmp_path, size=size), "-")
    assert "SAFE HAVEN" in text
    assert MESSAGE in " ".join(text.split())
    assert compact("Scan to check this Safe Haven") in compact(text)
    assert compact(NAME) in compact(text)


@pytest.mark.parametrize(
    "name", [HOSTILE, "</style><script>alert(1)</script>", "Tom &amp; Jerry's"]
)
def test_markup_in_a_name_is_shown_literally(tmp_path, name):
    pdf = write_pdf(tmp_path, name=name)
    assert compact(name) in compact(run("pdftotext", pdf, "-"))
    assert pdfinfo(pdf)[0] == 1


@pytest.mark.parametrize("size", SIZES)
def test_qr_code_scans_to_the_url(tmp_path, size):
    png = page_image(write_pdf(tmp_path, size=size))
    assert run("zbarimg", "--quiet", "--raw", png).strip() == URL


def test_qr_code_is_big_enough_to_scan_through_a_window(tmp_path):
    a5 = qr_width_mm(write_pdf(tmp_path, size="A5"))
    a4 = qr_width_mm(write_pdf(tmp_path, size="A4"))
    assert a5 >= 35
    assert a4 == pytest.approx(a5 * 297 / 210, rel=0.05)


def test_name_type_is_large(tmp_path):
    def name_pt(size: str, name: str) -> float:
        first = name.split()[0]
        height = next(h for word, _, h in words(write_pdf(tmp_path, name=name, size=size))
                      if word == first)
        return height / DEJAVU_LINE_EM

    assert name_pt("A5", LONG_NAME) >= 20
    assert name_pt("A4", LONG_NAME) >= 28
    assert name_pt("A5", NAME) > name_pt("A5", LONG_NAME)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", [LONG_NAME, ("WOODWARD & MOWBRAY HOMEWARE " * 8)[:200], "W" * 200])
def test_a_200_character_name_wraps_onto_one_page(tmp_path, size, name):
    assert len(name) == 200
    pdf = write_pdf(tmp_path, name=name, size=size)
    assert pdfinfo(pdf)[0] == 1
    assert compact(name) in compact(run("pdftotext", pdf, "-"))


def test_scheme_name_is_used_on_the_sign_and_caption(tmp_path):
    text = run("pdftotext", write_pdf(tmp_path, scheme_name="Safe Place"), "-")
    assert "SAFE PLACE" in text
    assert compact("Scan to check this Safe Place") in compact(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": "A3"},
        {"size": "a5"},
        {"name": ""},
        {"name": "   "},
        {"url": "javascript:alert(1)"},
        {"url": "ftp://havens.example.org/"},
        {"url": "havens.example.org/havens/42"},
        {"url": "https://"},
        {"scheme_name": ""},
    ],
)
def test_bad_arguments_are_refused(kwargs):
    arguments = {"name": NAME, "url": URL, "size": "A5", **kwargs}
    with pytest.raises(ValueError):
        sticker_pdf(**arguments)


@pytest.mark.parametrize(
    "url", ["https://havens.example.org/logo.png", "http://127.0.0.1/", "file:///etc/passwd"]
)
def test_the_renderer_fetches_nothing_but_data_uris(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        _fetcher()(url)
    assert _fetcher()("data:text/plain,ok").read() == b"ok"
