"""Locust, headless in its own process: run users from bench/locust_users.py for a bounded time
and read back every request (name, start, milliseconds, status, error)."""

import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from bench.server import ROOT, Server

USERS_FILE = ROOT / "bench" / "locust_users.py"


@dataclass
class Sample:
    """One request as locust saw it."""

    name: str
    started: float  # epoch seconds
    ms: float
    status: int
    error: str | None

    @property
    def ok(self) -> bool:
        """2xx (or a followed redirect ending in 2xx) and no error."""
        return self.error is None and 200 <= self.status < 300


@dataclass
class LoadRun:
    """Every request of one locust run, and the CPU seconds spent while it ran."""

    samples: list[Sample]
    started: float
    cpu: dict = field(default_factory=dict)

    def measured(self, name: str, after_s: float = 0.0) -> list[Sample]:
        """Requests of this name that started after_s seconds or more into the run."""
        return [s for s in self.samples if s.name == name and s.started >= self.started + after_s]


def percentiles_ms(samples: list[Sample]) -> dict:
    """p50/p95/p99/max in milliseconds (numpy's linear interpolation)."""
    if not samples:
        return {}
    ms = np.array([s.ms for s in samples])
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "max": float(ms.max())}


def rate_per_s(samples: list[Sample]) -> float:
    """Requests per second between the first and the last start."""
    if len(samples) < 2:
        return 0.0
    starts = [s.started for s in samples]
    return (len(samples) - 1) / (max(starts) - min(starts))


def summary(samples: list[Sample]) -> dict:
    """Count, errors by status, rate and percentiles, for results.json."""
    errors: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            key = str(s.status or s.error)
            errors[key] = errors.get(key, 0) + 1
    return {"requests": len(samples), "errors": errors, "rate_per_s": round(rate_per_s(samples), 1),
            "ms": {k: round(v, 2) for k, v in percentiles_ms(samples).items()}}


def machine_busy() -> tuple[float, float]:
    """CPU seconds busy and in all, over every core, so far."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, sum(times)


def run(users: list[str], *, server: Server, plan: dict, count: int, seconds: float,
        spawn_rate: float | None = None) -> LoadRun:
    """Run locust headless with these user classes against the server; bounded by seconds."""
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as folder:
        plan_path, samples_path = Path(folder) / "plan.json", Path(folder) / "samples.json"
        plan_path.write_text(json.dumps(plan))
        command = [sys.executable, "-m", "locust", "-f", str(USERS_FILE), "--headless",
                   "--host", server.base_url, "-u", str(count), "-r", str(spawn_rate or count),
                   "-t", f"{seconds:.0f}s", "--stop-timeout", "5", "--loglevel", "WARNING",
                   "--only-summary", "--exit-code-on-error", "0", *users]
        env = {**_clean_env(), "BENCH_PLAN": str(plan_path), "BENCH_SAMPLES": str(samples_path)}
        before = (resource.getrusage(resource.RUSAGE_CHILDREN), server.cpu_seconds(),
                  machine_busy(), server.proxy_cpu_seconds())
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                              timeout=seconds + 120, check=False)
        cpu = cpu_used(before, server)
        if not samples_path.exists():
            raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
        data = json.loads(samples_path.read_text())
    samples = [Sample(*row) for row in data["samples"]]
    for name in ("gunicorn", "load_generator", "proxy"):
        cpu[f"{name}_ms_per_request"] = round(cpu[f"{name}_s"] * 1000 / max(len(samples), 1), 2)
    return LoadRun(samples, data["started"] or min(s.started for s in samples), cpu)


def cpu_used(before, server: Server) -> dict:
    """CPU seconds of the load generator (children) and gunicorn since `before`, and the
    machine's busy share."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, total = machine_busy()
    locust_s = (usage.ru_utime + usage.ru_stime) - (before[0].ru_utime + before[0].ru_stime)
    return {"load_generator_s": round(locust_s, 2),
            "gunicorn_s": round(server.cpu_seconds() - before[1], 2),
            "proxy_s": round(server.proxy_cpu_seconds() - before[3], 2),
            "machine_busy_share": round((busy - before[2][0]) / max(total - before[2][1], 1e-9),
                                        3)}


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
