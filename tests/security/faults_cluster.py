"""A throwaway PostgreSQL + PostGIS cluster that fault tests may stop, restart and kill -9,
so the shared project cluster (scripts/pg.sh) is never touched."""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.migrate import upgrade

DATABASE = "safehavens_faults"
OWNER = "postgres"  # PostgreSQL refuses to run as root: as root, the cluster runs as postgres


def pg_bin() -> Path:
    """The newest PostgreSQL whose PostGIS is installed (as scripts/pg.sh chooses it)."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p.name for p in root.iterdir()), reverse=True,
                      key=lambda v: [int(n) for n in v.split(".") if n.isdigit()])
    for version in versions:
        if (Path(f"/usr/share/postgresql/{version}/extension/postgis.control").is_file()
                and (root / version / "lib/postgis-3.so").is_file()):
            return root / version / "bin"
    raise RuntimeError("PostgreSQL with PostGIS is not installed: run scripts/pg.sh start")


class Cluster:
    """One private cluster in a temporary folder, reached only through its own Unix socket."""

    def __init__(self, folder: Path):
        self.bin = pg_bin()
        self.folder = folder
        self.data = folder / "db"
        self.sock = folder / "sock"
        self.log = folder / "server.log"

    def _run(self, tool: str, *args: str, check: bool = True) -> int:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OWNER, "--", *command]
        done = subprocess.run(command, cwd="/", capture_output=True, text=True, timeout=180)
        if check and done.returncode:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
                               f"\nserver log:\n{log}")
        return done.returncode

    def init(self) -> None:
        """initdb with trust auth for the local owner, no TCP, fsync left on (the default)."""
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, OWNER)
            shutil.chown(self.sock, OWNER)
        # --no-sync only skips flushing initdb's own files; the server runs with fsync on.
        self._run("initdb", "-D", str(self.data), "-U", "safehavens", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = ''\nunix_socket_directories = '{self.sock}'\n"
                       "unix_socket_permissions = 0700\nmax_connections = 30\n"
                       "shared_buffers = 32MB\nfsync = on\nsynchronous_commit = on\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections (after any crash recovery)."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120",
                  "start")

    def running(self) -> bool:
        """Whether the server is up (`pg_ctl status`)."""
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False) == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` rolls back and closes sessions, `immediate` just quits."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """A clean restart (`pg_ctl restart -m fast`): every open connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w",
                  "-t", "120", "restart")

    def kill9(self) -> None:
        """SIGKILL the postmaster and every backend at once, as a power cut would."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGSTOP)  # frozen, it can neither notice nor respawn
        victims = [*_children(postmaster), postmaster]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        # until reaped: PostgreSQL will not start while postmaster.pid names a live process id
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in victims):
            assert time.monotonic() < deadline, "PostgreSQL processes survived SIGKILL"
            time.sleep(0.05)

    def url(self, database: str = DATABASE) -> str:
        """The SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://safehavens@/{database}?host={self.sock}"

    def remove(self) -> None:
        """Stop the server if it runs, and delete its folder."""
        if self.data.is_dir() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # field 4 of /proc/<pid>/stat is the parent; the name (field 2) may hold spaces
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


@pytest.fixture(scope="session")
def faults_cluster():
    """A private cluster with a migrated PostGIS database, removed at the end of the run."""
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="safehavens-faults-", dir="/tmp")))
    try:
        cluster.init()
        cluster.start()
        admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        upgrade(cluster.url())
        yield cluster
    finally:
        cluster.remove()
