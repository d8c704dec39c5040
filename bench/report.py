"""The results table, and bench/results.json with the machine and versions it ran on."""

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


@dataclass
class Row:
    """One workload: our figure, the baseline's, the target, and whether both agreed."""

    workload: str
    ours_s: float | None
    baseline_s: float | None = None
    target: str = "-"
    passed: bool | None = None  # None: informational, no target
    same_answer: bool | None = None
    ours_label: str = "median"
    details: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Baseline time over ours (above 1: ours is faster)."""
        if not self.ours_s or self.baseline_s is None:
            return None
        return self.baseline_s / self.ours_s


def seconds(value: float | None) -> str:
    """1.23 s, 45.6 ms or '-'."""
    if value is None:
        return "-"
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.1f} ms"


def verdict(row: Row) -> str:
    """pass / FAIL / info, and 'DIFFERENT' when ours and the baseline disagree."""
    if row.same_answer is False:
        return "DIFFERENT"
    if row.passed is None:
        return "info"
    return "pass" if row.passed else "FAIL"


def table(rows: list[Row]) -> str:
    """The rows as a plain-text table."""
    head = ("workload", "ours", "baseline", "ratio", "target", "result")
    body = [(r.workload, f"{seconds(r.ours_s)} {r.ours_label}".strip(), seconds(r.baseline_s),
             f"{r.ratio:.1f}x" if r.ratio is not None else "-", r.target, verdict(r))
            for r in rows]
    widths = [max(len(str(line[k])) for line in [head, *body]) for k in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
             for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine(db_versions: dict) -> dict:
    """CPU, memory, versions, git commit and date of this run."""
    import geopandas
    import shapely

    return {"date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(), "cpu_model": _cpu_model(), "ram_gb": _ram_gb(),
            "platform": platform.platform(), "python": sys.version.split()[0],
            "shapely": shapely.__version__, "shapely_geos": shapely.geos_version_string,
            "geopandas": geopandas.__version__, **db_versions, **_git()}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float | None:
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kib / 1024 / 1024, 1)


def _git() -> dict:
    def run(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,  # noqa: S603, S607
                             check=False)
        return out.stdout.strip()

    return {"git_commit": run("rev-parse", "HEAD"),
            "git_dirty": bool(run("status", "--porcelain", "--untracked-files=no"))}


def write(rows: list[Row], run_info: dict, path: Path = RESULTS) -> Path:
    """bench/results.json: every row with its details, and the run's settings and machine."""
    data = {"run": run_info, "workloads": [
        {**asdict(r), "ratio": r.ratio, "result": verdict(r)} for r in rows]}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
