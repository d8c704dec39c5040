"""Printing many schools' haven maps at once, on every core, into a folder or a ZIP (no DB).

Rendering is pure, so it runs in worker processes started by a fork server (never a plain fork
of a process that holds database connections). Results come back in the order asked for, so a
ZIP can be streamed to a browser while later maps are still being drawn.
"""

import multiprocessing
import os
import re
import unicodedata
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.exports import csv_text
from mapping.haven_map_content import HavenMapContent
from mapping.haven_map_pdf import PageSpec, haven_map_pdf

MANIFEST = "schools.csv"
QUEUED_PER_WORKER = 3
MANIFEST_COLUMNS = ["urn", "school", "file", "size", "orientation", "havens_within_radius",
                    "radius_m", "nearest_beyond",
                    "map_ref", "changed_since_last_export"]


@dataclass(frozen=True)
class PrintJob:
    """One PDF to make."""

    content: HavenMapContent
    page: PageSpec
    changed: bool = True

    @property
    def filename(self) -> str:
        """"100001-brookfield-primary-school-A4.pdf" (A4 portrait has no orientation suffix)."""
        suffix = "" if self.page.orientation == "portrait" else f"-{self.page.orientation}"
        return f"{self.content.urn}-{slug(self.content.school_name)}-{self.page.size}{suffix}.pdf"


def slug(name: str) -> str:
    """A file-name-safe form of a name: ASCII letters and digits joined by hyphens."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "school"


def _render(job: PrintJob) -> bytes:
    return haven_map_pdf(job.content, job.page)


def default_workers() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def render(jobs: Iterable[PrintJob], *, workers: int | None = None,
           progress: Callable[[int], None] = lambda _n: None) -> Iterator[tuple[PrintJob, bytes]]:
    """Each job with its PDF, in the jobs' order, made by up to `workers` processes. Jobs are
    taken as they come (a generator may still be reading the database for the next ones) and
    at most a few per worker wait at a time."""
    workers = workers or default_workers()
    if workers == 1:
        for job in jobs:
            pdf = _render(job)
            progress(1)
            yield job, pdf
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mapping.haven_map_pdf"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        waiting: deque = deque()
        for job in jobs:
            waiting.append((job, pool.submit(_render, job)))
            while waiting and (waiting[0][1].done() or len(waiting) > QUEUED_PER_WORKER * workers):
                yield _collect(waiting, progress)
        while waiting:
            yield _collect(waiting, progress)


def _collect(waiting: deque, progress) -> tuple[PrintJob, bytes]:
    job, future = waiting.popleft()
    pdf = future.result()
    progress(1)
    return job, pdf


def manifest(jobs: Iterable[PrintJob]) -> str:
    """A CSV listing every file: which school, which map ref, and whether it changed."""
    return csv_text(MANIFEST_COLUMNS, [
        {"urn": job.content.urn, "school": job.content.school_name, "file": job.filename,
         "size": job.page.size, "orientation": job.page.orientation,
         "havens_within_radius": 0 if job.content.beyond_radius else len(job.content.havens),
         "radius_m": job.content.radius_m,
         "nearest_beyond": "yes" if job.content.beyond_radius else "no",
         "map_ref": job.content.fingerprint, "changed_since_last_export":
             "yes" if job.changed else "no"} for job in jobs])


class _Sink:
    """A write-only stream whose bytes are taken out as they come (for streaming a ZIP)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to do: bytes are taken by drain()."""

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_chunks(results: Iterable[tuple[PrintJob, bytes]]) -> Iterator[bytes]:
    """A ZIP of the PDFs and the manifest, as chunks of bytes while the PDFs are made."""
    sink, done = _Sink(), []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        for job, pdf in results:
            archive.writestr(job.filename, pdf)
            done.append(job)
            yield sink.drain()
        archive.writestr(MANIFEST, manifest(done), compress_type=zipfile.ZIP_DEFLATED)
    yield sink.drain()


def write_zip(results: Iterable[tuple[PrintJob, bytes]], path: Path) -> None:
    """The ZIP written to a file (replaced only once complete)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    with partial.open("wb") as handle:
        for chunk in zip_chunks(results):
            handle.write(chunk)
    partial.replace(path)


def write_folder(results: Iterable[tuple[PrintJob, bytes]], folder: Path) -> None:
    """Each PDF as a file in the folder, with the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for job, pdf in results:
        (folder / job.filename).write_bytes(pdf)
        done.append(job)
    (folder / MANIFEST).write_text(manifest(done), encoding="utf-8")
