"""wrk (Debian's wrk 4, C, an event loop) as the load generator for the simple GET workloads:
locust's gevent users add 10-15 ms to every request they time at 50 users (measured against a
404 that the server answers in under 2 ms), more than the targets being measured. wrk's Lua hooks
pick each request's path, pace each connection and report the latency distribution as JSON."""

import json
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import loadgen
from bench.server import Server

# Each connection waits an exponential think time (mean `think_ms`) before each request, so
# arrivals over many connections are close to Poisson: an offered rate, not bursts in step.
SCRIPT = r"""
local paths, think_ms, header = {}, 0, nil
local counter = 0
local names = { [1] = "connect", [2] = "read", [3] = "write", [4] = "status", [5] = "timeout" }

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  think_ms = tonumber(args[2])
  if args[3] ~= nil and args[3] ~= "" then wrk.headers["Authorization"] = args[3] end
  math.randomseed(tonumber(args[4]))
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end

function delay()
  if think_ms <= 0 then return 0 end
  return -think_ms * math.log(1 - math.random())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write("BENCH-JSON ", string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"mean": %.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
"""


@dataclass
class WrkRun:
    """What one wrk run reported, and the CPU seconds spent while it ran."""

    requests: int
    seconds: float
    errors: dict
    ms: dict
    cpu: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The same shape as loadgen.summary, for results.json."""
        return {"requests": self.requests, "errors": self.errors,
                "rate_per_s": round(self.requests / self.seconds, 1),
                "ms": {k: round(v, 2) for k, v in self.ms.items()}}


def available() -> bool:
    """Whether wrk is installed (scripts/system-deps.sh wrk)."""
    return shutil.which("wrk") is not None


def run(server: Server, paths: list[str], *, connections: int, seconds: float,
        think_ms: float = 0.0, token: str | None = None, seed: int = 1) -> WrkRun:
    """wrk with one thread and `connections` connections cycling through `paths` for `seconds`
    (each connection waits an exponential think time of mean think_ms before each request)."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script, listed = Path(folder) / "bench.lua", Path(folder) / "paths.txt"
        script.write_text(SCRIPT)
        listed.write_text("\n".join(paths) + "\n")
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s",
                   "-s", str(script), server.base_url, "--", str(listed), str(think_ms),
                   f"Bearer {token}" if token else "", str(seed)]
        before = (resource.getrusage(resource.RUSAGE_CHILDREN), server.cpu_seconds(),
                  loadgen.machine_busy(), server.proxy_cpu_seconds())
        done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                              timeout=seconds + 60, check=False)
        cpu = loadgen.cpu_used(before, server)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout[-2000:]}"
                           f"\n{done.stderr[-2000:]}")
    report = json.loads(line.removeprefix("BENCH-JSON "))
    errors = {k: v for k, v in report["errors"].items() if v}
    ms = {k: report["us"][k] / 1000 for k in ("p50", "p95", "p99", "max")}
    result = WrkRun(report["requests"], report["duration_us"] / 1e6, errors, ms, cpu)
    for name in ("gunicorn", "load_generator", "proxy"):
        cpu[f"{name}_ms_per_request"] = round(cpu[f"{name}_s"] * 1000 / max(result.requests, 1),
                                              2)
    return result
