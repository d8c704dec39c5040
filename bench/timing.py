"""Wall-clock timing: a warm-up, then repetitions within a time budget; median and p99."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Timing:
    """Seconds of each measured repetition, and the last result."""

    samples: list[float] = field(default_factory=list)
    result: object = None

    @property
    def median(self) -> float:
        """The median repetition."""
        return float(np.median(self.samples))

    @property
    def p99(self) -> float:
        """The 99th percentile (linear interpolation; close to the maximum below 100 runs)."""
        return float(np.percentile(self.samples, 99))

    def summary(self) -> dict:
        """Figures for results.json."""
        return {"runs": len(self.samples), "median_s": self.median, "p99_s": self.p99,
                "min_s": min(self.samples), "max_s": max(self.samples)}


def clock(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def repeat(fn: Callable[[], object], *, runs: int, warmup: Callable[[], object] | None = None,
           budget_s: float = float("inf"),
           after: Callable[[object], object] | None = None) -> Timing:
    """Time fn `runs` times after one warm-up call (warmup, or fn itself); stop early once the
    budget is spent (at least one measured run). `after`, untimed, follows every call with its
    result (to check or undo it) and what it returns is kept as the result."""
    settle = after or (lambda result: result)
    settle((warmup or fn)())
    timing, spent = Timing(), 0.0
    for _ in range(runs):
        seconds, result = clock(fn)
        timing.result = settle(result)
        timing.samples.append(seconds)
        spent += seconds
        if spent >= budget_s:
            break
    return timing
