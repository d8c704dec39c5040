"""Reading printed maps back with poppler (pdfinfo, pdftotext, pdftoppm) and zbar, to check that
two sets of PDFs say the same: every listed haven named, on as many pages give or take one (two
layout engines may break a long legend a row apart, leaving the closing lines on a page of their
own in one of them)."""

import re
import shutil
import statistics
import subprocess
from pathlib import Path

EXAMPLES = 5
PAGES_APART = 1  # page counts may differ by this much


def _run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True,  # noqa: S603
                          text=True).stdout


def read(pdf: bytes, folder: Path, name: str = "check.pdf") -> tuple[int, str]:
    """A PDF's page count and its text with every run of whitespace made one space."""
    path = folder / name
    path.write_bytes(pdf)
    pages = int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", path), re.M).group(1))
    return pages, " ".join(_run("pdftotext", "-enc", "UTF-8", path, "-").split())


def _difference(content, ours: tuple[int, str], base: tuple[int, str]) -> dict | None:
    missing = [h.name for h in content.havens if h.name not in ours[1] or h.name not in base[1]]
    if abs(ours[0] - base[0]) <= PAGES_APART and not missing:
        return None
    return {"urn": content.urn, "pages": [ours[0], base[0]], "missing_names": missing[:5]}


def _kb(pdfs: list[bytes]) -> dict:
    sizes = [len(pdf) / 1024 for pdf in pdfs]
    return {"max": max(sizes), "median": statistics.median(sizes), "min": min(sizes)}


def compare(contents: list, ours: list[bytes], base: list[bytes], folder: Path, *,
            max_bytes: int) -> dict:
    """For every school: both PDFs' page counts equal, every listed haven's name in both
    texts; the PDFs' sizes, and how many of ours are over max_bytes."""
    differing, pages = [], []
    for content, mine, theirs in zip(contents, ours, base, strict=True):
        read_ours, read_base = read(mine, folder, "ours.pdf"), read(theirs, folder, "base.pdf")
        pages.append((read_ours[0], read_base[0]))
        found = _difference(content, read_ours, read_base)
        if found:
            differing.append(found)
    return {"schools": len(contents), "differing": len(differing),
            "examples": differing[:EXAMPLES], "names_checked": sum(len(c.havens) for c in contents),
            "pages": {"median": statistics.median(p for p, _ in pages),
                      "max": max(p for p, _ in pages), "total": sum(p for p, _ in pages),
                      "base_total": sum(b for _, b in pages),
                      "equal": sum(1 for p, b in pages if p == b)},
            "ours_kb": _kb(ours), "base_kb": _kb(base),
            "ours_over_limit": sum(1 for pdf in ours if len(pdf) > max_bytes)}


def qr_check(expected: str, pdf: bytes, folder: Path) -> dict:
    """Whether zbar reads the expected link from the first page rendered at 200 dpi (read is
    None when zbarimg is not installed)."""
    if not shutil.which("zbarimg"):
        return {"expected": expected, "decoded": [], "read": None}
    path = folder / "qr.pdf"
    path.write_bytes(pdf)
    _run("pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", path,
         folder / "qr")
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(folder / "qr.png")],  # noqa: S603, S607
                           capture_output=True, text=True, check=False).stdout.split()
    return {"expected": expected, "decoded": found, "read": expected in found}
