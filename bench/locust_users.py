"""Locust users for the classroom workload (run by bench.loadgen in its own process, never imported
by the bench itself: locust patches the standard library with gevent).

The plan (tiles, token, pupils' schedule) comes from the JSON file named by
BENCH_PLAN; every request is written to BENCH_SAMPLES when locust quits.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, HttpUser, constant, events, task

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if "BENCH_PLAN" in os.environ else {}
SAMPLES: list[tuple] = []
STARTED: list[float] = []
_numbers = itertools.count()
FOREVER_S = 24 * 3600
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    STARTED.append(time.time())


@events.request.add_listener
def _record(name, response_time, response=None, exception=None, start_time=None, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    started = start_time or time.time() - response_time / 1000
    SAMPLES.append((name, started, response_time, status, None if exception is None
                    else str(exception)[:200]))


@events.quitting.add_listener
def _write(**_kwargs) -> None:
    Path(os.environ["BENCH_SAMPLES"]).write_text(json.dumps(
        {"started": STARTED[0] if STARTED else None, "samples": SAMPLES}))


def _wait_until(offset_s: float) -> None:
    """Sleep until offset_s after the test started."""
    start = STARTED[0] if STARTED else time.time()
    gevent.sleep(max(0.0, start + offset_s - time.time()))


class PupilUser(HttpUser):
    """One pupil: opens the class link (cookie, then the drawing page with its CSRF token),
    then sends one map as draw.js does."""

    fixed_count = len(PLAN.get("pupils", ()))
    wait_time = constant(0)

    @task
    def lesson(self) -> None:
        pupil = PLAN["pupils"][next(_numbers) % len(PLAN["pupils"])]
        _wait_until(pupil["join_at"])
        prefix = pupil.get("prefix", "")
        with self.client.get(f"/j/{pupil['code']}", name=prefix + "join",
                             catch_response=True) as got:
            token = CSRF_META.search(got.text or "")
            if not got.url.endswith("/draw") or not token:
                got.failure(f"join ended at {got.url} without a drawing page")
        _wait_until(pupil["submit_at"])
        self.client.post(f"/api/v1/sessions/{pupil['code']}/maps", data=pupil["body"],
                         name=prefix + "submit", headers={
                             "Content-Type": "application/geo+json",
                             "X-CSRFToken": token.group(1) if token else "",
                             "Idempotency-Key": pupil["key"]})
        gevent.sleep(FOREVER_S)


class PlannerUser(FastHttpUser):
    """A planner reading the heatmap: the API answer, then a screenful of tiles, then a pause."""

    fixed_count = PLAN.get("planners", 0)
    wait_time = constant(0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['token']}"}
        gevent.sleep(random.uniform(0, PLAN["think_s"]))

    @task
    def look(self) -> None:
        self.client.get(PLAN["heatmap_path"], headers=self.headers, name="planner heatmap")
        tiles = PLAN["tiles"]
        first = random.randrange(len(tiles))
        for path in (tiles * 2)[first:first + PLAN["tiles_per_look"]]:
            self.client.get(path, headers=self.headers, name="planner tile")
        gevent.sleep(random.uniform(0.5, 1.5) * PLAN["think_s"])
