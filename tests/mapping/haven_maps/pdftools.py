"""Reading printed maps back with poppler (pdfinfo, pdftotext, pdftoppm) and zbar."""

import re
import subprocess
from pathlib import Path

import numpy as np

A4_PTS = (595.28, 841.89)
A3_PTS = (841.89, 1190.55)


def run(*args: str | Path) -> str:
    """A command-line tool's standard output."""
    return subprocess.run([str(a) for a in args], check=True, capture_output=True,
                          text=True).stdout


def save(tmp_path: Path, pdf: bytes, name: str = "map.pdf") -> Path:
    """The PDF bytes as a file."""
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pages(pdf: Path) -> list[tuple[float, float]]:
    """Every page's width and height in points."""
    info = run("pdfinfo", "-f", "1", "-l", "99", pdf)
    return [(float(w), float(h)) for w, h in
            re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]


def text(pdf: Path, page: int | None = None) -> str:
    """The PDF's text (one page, or all), in reading order."""
    limits = ["-f", str(page), "-l", str(page)] if page else []
    return run("pdftotext", "-enc", "UTF-8", *limits, pdf, "-")


def flat(content: str) -> str:
    """Text with every run of whitespace made one space (line wraps do not matter)."""
    return " ".join(content.split())


def grey_page(pdf: Path, tmp_path: Path, page: int = 1, dpi: int = 60) -> np.ndarray:
    """A page rendered in greyscale as a 2-D array (0 black, 255 white)."""
    stem = tmp_path / f"grey-{page}"
    run("pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
        pdf, stem)
    raw = stem.with_suffix(".pgm").read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
    width, height = int(header.group(1)), int(header.group(2))
    return np.frombuffer(raw[header.end():], dtype=np.uint8).reshape(height, width)


def qr_codes(pdf: Path, tmp_path: Path, page: int = 1) -> list[str]:
    """The QR codes zbar reads on a page rendered at 200 dpi."""
    stem = tmp_path / f"qr-{page}"
    run("pdftoppm", "-png", "-r", "200", "-f", str(page), "-l", str(page), "-singlefile", pdf,
        stem)
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(stem.with_suffix(".png"))],
                           capture_output=True, text=True, check=False).stdout
    return found.split()
