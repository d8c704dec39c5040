"""Printable haven maps, 100 schools, A4. Ours is what `flask maps export --all --size A4` does:
find every school's havens and map ref (haven_maps.school_maps), then read each school's basemap
(haven_maps.print_jobs) while the PDFs are drawn on every core (haven_map_export.render), and
write the ZIP. The baseline is a warm headless Chromium printing
the same pages (haven_map_pdf.page_html, page.pdf), as many pages in flight as our workers.
Same answer: for every school both PDFs have as many pages and name every listed haven.
"""

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask

from bench import chromium_print, pdf_check
from bench.heatmap import Bench
from bench.report import Row
from bench.timing import Timing, clock, repeat
from core import db
from mapping import haven_map_export, haven_maps, queries
from mapping.haven_map_pdf import PageSpec, page_html

BASE_URL = "https://safehavens.example.org"  # where the QR codes point (PUBLIC_BASE_URL)
PAGE = PageSpec("A4", "portrait")
TARGET_S, STRETCH_S, MIN_RATIO = 30.0, 10.0, 1.0
MAX_PDF_BYTES = 250 * 1024  # as tests/mapping/haven_maps/test_pdf.py
BUDGET_S = 30.0  # each side stops repeating once this is spent (or --budget, if lower)
WARMUP_SCHOOLS = 4


@dataclass
class Export:
    """One export: how long gathering and rendering (with the ZIP) took, and what it made."""

    gather_s: float
    render_s: float
    contents: list = field(repr=False)
    pdfs: list[bytes] = field(repr=False)


def _kept(results, pdfs: list[bytes], contents: list):
    for job, pdf in results:
        pdfs.append(pdf)
        contents.append(job.content)
        yield job, pdf


def export(app: Flask, workers: int, folder: Path, urns: list[int] | None = None) -> Export:
    """Every open school's A4 map into a ZIP, as `flask maps export --all --size A4` (without
    recording the export in school_haven_map, which would change the database)."""
    started = time.perf_counter()
    pdfs: list[bytes] = []
    contents: list = []
    with app.app_context():
        maps = haven_maps.school_maps(db_session=db.session(), base_url=BASE_URL,
                                      today=date.today(), urns=urns, with_basemap=False)
        gathered = time.perf_counter()
        jobs = haven_maps.print_jobs(db_session=db.session(), maps=maps, sizes=[PAGE.size],
                                     orientation=PAGE.orientation)
        results = haven_map_export.render(jobs, workers=workers)
        haven_map_export.write_zip(_kept(results, pdfs, contents), folder / "haven-maps.zip")
    return Export(gathered - started, time.perf_counter() - gathered, contents, pdfs)


def _time_ours(bench: Bench, workers: int, folder: Path) -> tuple[Timing, list[Export], float]:
    """Our export timed within the budget after a small one (which starts the fork server);
    each run's gather and render seconds, and the warm-up's."""
    with bench.app.app_context():
        first = [s.urn for s in queries.schools_for_print(db.session())]
    runs: list[Export] = []

    def run() -> Export:
        runs.append(export(bench.app, workers, folder))
        return runs[-1]

    warmup_s, _ = clock(lambda: export(bench.app, workers, folder, first[:WARMUP_SCHOOLS]))
    timing = repeat(run, runs=bench.runs, budget_s=min(bench.budget_s, BUDGET_S),
                    warmup=lambda: None)  # the small export above was the warm-up
    return timing, runs, warmup_s


def _time_chromium(bench: Bench, workers: int, htmls: list[str]) -> Timing:
    """The pages printed by a warm Chromium (launched, then one page printed in every tab)."""
    with chromium_print.launched(workers) as chromium:
        return repeat(lambda: chromium.print_all(htmls), runs=bench.runs,
                      budget_s=min(bench.budget_s, BUDGET_S),
                      warmup=lambda: chromium.print_all(htmls[:workers]))


def rows(bench: Bench) -> list[Row]:
    """The printable-maps rows: the whole export, its two steps, and each PDF."""
    workers = haven_map_export.default_workers()
    with tempfile.TemporaryDirectory(prefix="safehavens-print-") as name:
        folder = Path(name)
        bench.log(f"printable maps: ours, {workers} worker processes...")
        ours, runs, warmup_s = _time_ours(bench, workers, folder)
        last = ours.result
        html_s, htmls = clock(lambda: [page_html(c, PAGE) for c in last.contents])
        bench.log(f"printable maps: warm headless Chromium, {workers} pages in flight...")
        base = _time_chromium(bench, workers, htmls)
        bench.log("printable maps: comparing the PDFs (pdftotext, zbarimg)...")
        check_s, check = clock(lambda: pdf_check.compare(
            last.contents, last.pdfs, base.result, folder, max_bytes=MAX_PDF_BYTES))
        check["qr"] = pdf_check.qr_check(last.contents[0].finder_url, last.pdfs[0], folder)
        check["seconds"] = round(check_s, 1)
    details = _details(ours, runs, warmup_s, base, html_s, check, workers, last)
    return _rows(ours, runs, base, check, details, workers)


def _details(ours: Timing, runs: list[Export], warmup_s: float, base: Timing, html_s: float,
             check: dict, workers: int, last: Export) -> dict:
    listed = [len(c.havens) for c in last.contents]
    return {"ours": ours.summary(), "baseline": base.summary(), "workers": workers,
            "pages_in_flight": workers, "schools": len(last.contents),
            "gather_s": [round(r.gather_s, 3) for r in runs],
            "render_zip_s": [round(r.render_s, 3) for r in runs],
            "warmup_s": {"schools": WARMUP_SCHOOLS, "seconds": round(warmup_s, 3)},
            "page_html_s": round(html_s, 3), "stretch_target_s": STRETCH_S,
            "havens_listed": {"median": statistics.median(listed), "max": max(listed),
                              "min": min(listed)},
            "pdf_check": check}


def _rows(ours: Timing, runs: list[Export], base: Timing, check: dict, details: dict,
          workers: int) -> list[Row]:
    schools = details["schools"]
    gather = statistics.median(r.gather_s for r in runs)
    render = statistics.median(r.render_s for r in runs)
    same = check["differing"] == 0 and check["qr"]["read"] is not False
    sizes, over = check["ours_kb"], check["ours_over_limit"]
    passed = (same and ours.median < TARGET_S and base.median / ours.median >= MIN_RATIO
              and over == 0)
    return [
        Row(f"printable maps, {schools} schools A4 (ours: `maps export --all`, {workers} "
            f"processes; base: warm headless Chromium page.pdf, {workers} in flight, printing "
            "only)", ours.median, base.median,
            f"< {TARGET_S:.0f} s; ratio >= {MIN_RATIO:.0f}; each PDF <= 250 KB", passed=passed,
            same_answer=same, details=details),
        Row(f"  gather (haven_maps.school_maps: havens and map refs of {schools} schools)",
            gather),
        Row(f"  basemaps + render + ZIP ({workers} processes; base: the same pages printed)",
            render, base.median),
        Row(f"  one PDF, core-seconds (wall x {workers} / {schools}); ours max "
            f"{sizes['max']:.0f} KB, median {sizes['median']:.0f} KB, {over} over 250 KB "
            f"(base max {check['base_kb']['max']:.0f} KB)", render * workers / schools,
            base.median * workers / schools, "<= 250 KB each", passed=over == 0,
            ours_label="per PDF"),
    ]
