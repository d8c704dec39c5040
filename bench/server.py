"""The app served by gunicorn behind nginx on free loopback ports, against the bench database.

As docs/operations.md deploys it (sync workers behind a buffering reverse proxy, JSON request
logs at INFO), with 2 workers for this 2-core machine; logs go to a temporary folder. The proxy
matters: a sync worker serves one connection at a time, so a client that connects and then
waits (wrk reconnects at once after each answer and then thinks) would hold a worker idle;
nginx reads whole requests first, as in production.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


@dataclass
class Server:
    """A running gunicorn: where it answers, its master process and its log."""

    base_url: str
    process: subprocess.Popen
    log_path: Path
    command: list[str]
    proxy: subprocess.Popen | None = None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of gunicorn's master and its workers so far."""
        return _cpu_seconds(self.process)

    def proxy_cpu_seconds(self) -> float:
        """CPU time of nginx so far (0 without it)."""
        return _cpu_seconds(self.proxy) if self.proxy else 0.0


def _cpu_seconds(process: subprocess.Popen) -> float:
    master = psutil.Process(process.pid)
    total = 0.0
    for proc in [master, *master.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


NGINX = """daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    client_max_body_size 200m;
    keepalive_requests 1000000;
    upstream app {{ server 127.0.0.1:{app_port}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(database_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SAFEHAVENS_")}
    return {**env, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
            "SAFEHAVENS_ENV": "development", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}


# Each worker imports the app after the fork (~3 s of CPU here). /healthz answers as soon as
# one has; a load started then would count the others' imports as CPU spent on requests.
READY_HOOK = """import pathlib

def post_worker_init(worker):
    pathlib.Path({folder!r}, f"ready-{{worker.pid}}").touch()
"""


def _workers_ready(folder: Path) -> int:
    return len(list(folder.glob("ready-*")))


def _wait_ready(server: Server, folder: Path, workers: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200 and _workers_ready(folder) >= workers:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    tail = server.log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"gunicorn did not start ({' '.join(server.command)}):\n{tail}")


@contextmanager
def serving(database_url: str, app: str = "wsgi:app", workers: int = WORKERS,
            options: tuple[str, ...] = ()) -> Iterator[Server]:
    """gunicorn serving `app` on 127.0.0.1 until the block ends (options: more gunicorn
    settings, for what-if runs)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as name:
        folder = Path(name)
        hooks = folder / "hooks.py"
        hooks.write_text(READY_HOOK.format(folder=str(folder)))
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--graceful-timeout", "5", "--config", str(hooks),
                   *options, app]
        log_path = folder / "gunicorn.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(command, cwd=ROOT, env=_environment(database_url),  # noqa: S603
                                       stdout=log_file, stderr=subprocess.STDOUT)
            server = Server(f"http://127.0.0.1:{port}", process, log_path, command)
            try:
                _wait_ready(server, folder, workers)
                with _proxy(folder, port) as (proxy, proxy_url):
                    server.proxy, server.base_url = proxy, proxy_url
                    _wait_ready(server, folder, workers)
                    yield server
            finally:
                _stop(process)


@contextmanager
def _proxy(folder: Path, app_port: int) -> Iterator[tuple[subprocess.Popen, str]]:
    """nginx on a free port, proxying to the app, until the block ends."""
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(NGINX.format(folder=folder, app_port=app_port, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-c", str(config), "-p", str(folder),  # noqa: S603
                                "-e", str(folder / "nginx-error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
