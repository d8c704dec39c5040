"""pg_dump / pg_restore of the app's schemas, connected as DATABASE_URL says."""

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

SCHEMAS = ("public", "ogc")  # the app's tables and alembic_version, and the OGC API's views
OGC_ROLE = "safehavens_ogc"
SYSTEM_BIN = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup or restore step failed; the message says what and what to do."""


@dataclass(frozen=True)
class Target:
    """Where libpq connects: a conninfo string without the password, which goes in the env."""

    conninfo: str
    password: str | None
    dbname: str
    label: str

    def env(self) -> dict[str, str]:
        """The environment for a libpq tool (the password never appears in `ps`)."""
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


@dataclass(frozen=True)
class Backup:
    """A written backup file."""

    path: Path
    size: int
    sha256: str
    entries: int


@dataclass(frozen=True)
class Archive:
    """What `pg_restore --list` says about a backup file."""

    toc: list[str]
    created_at: str
    dbname: str
    tables: int


def target_from_url(url: str) -> Target:
    """Turn a SQLAlchemy URL (postgresql+psycopg://user:pw@host:port/db?host=/socket) into libpq
    connection parameters."""
    if not url:
        raise BackupError("DATABASE_URL is not set: there is no database to back up or restore.")
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise BackupError(f"DATABASE_URL is not a PostgreSQL URL ({parsed.drivername}).")
    if not parsed.database:
        raise BackupError("DATABASE_URL names no database.")
    # Every query parameter is a libpq keyword (the psycopg dialect passes them on as such).
    params = {key: ",".join(value) if isinstance(value, tuple) else value
              for key, value in parsed.query.items()}
    if parsed.host and "host" not in params:
        params["host"] = parsed.host
    if parsed.port and "port" not in params:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    params["dbname"] = parsed.database
    params.pop("password", None)
    label = f"{parsed.database} on {params.get('host') or 'the default host'}"
    return Target(conninfo=make_conninfo(**params), password=parsed.password,
                  dbname=parsed.database, label=label)


def server_major(engine: Engine) -> int:
    """The server's major version (15 for 15.4)."""
    try:
        with engine.connect() as conn:
            number = int(conn.scalar(text("SHOW server_version_num")))
    except DBAPIError as exc:
        raise BackupError(f"Cannot reach the database: {_db_message(exc)}") from exc
    return number // 10000


def find_tool(name: str, major: int, bin_dir: str = "") -> str:
    """The pg_dump/pg_restore of the server's major version, else the one on PATH."""
    if bin_dir:
        candidate = Path(bin_dir) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupError(f"{name} was not found in PG_BIN_DIR ({bin_dir}). Set PG_BIN_DIR to "
                          f"the folder holding the PostgreSQL {major} client programs.")
    candidate = SYSTEM_BIN / str(major) / "bin" / name
    if os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} was not found (looked in {candidate.parent} and on PATH). "
                      f"Install the PostgreSQL {major} client programs (Debian: apt install "
                      f"postgresql-client-{major}) or set PG_BIN_DIR to their folder.")


def create_backup(target: Target, pg_dump: str, pg_restore: str, path: Path) -> Backup:
    """Dump the app's schemas in custom format into PATH (mode 0600), then verify it reads."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose another file name.")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise BackupError(f"Cannot write {partial}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            args = [pg_dump, "--format=custom", "--no-password",
                    *(f"--schema={schema}" for schema in SCHEMAS), f"--dbname={target.conninfo}"]
            _run(args, target, "pg_dump could not back up the database", stdout=out)
        archive = read_archive(pg_restore, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=path, size=path.stat().st_size, sha256=sha256(path),
                  entries=len(archive.toc))


def read_archive(pg_restore: str, path: Path) -> Archive:
    """Read a backup's table of contents; refuse a file that is not an app backup."""
    # the programs are found by find_tool, never taken from input; no shell is involved
    result = subprocess.run([pg_restore, "--list", str(path)],  # noqa: S603
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{path} is not a backup made by `flask backup create` (not a pg_dump "
                          f"custom-format archive: {_last_line(result.stderr)}).")
    lines = result.stdout.splitlines()
    toc = [line for line in lines if line and not line.startswith(";")]
    if not any(" TABLE DATA public alembic_version " in line for line in toc):
        raise BackupError(f"{path} is a pg_dump archive but not a Safe Havens backup made by "
                          "`flask backup create` (it has no alembic_version table).")
    header = {key.strip(): value.strip() for key, _, value in
              (line.lstrip("; ").partition(":") for line in lines if line.startswith(";"))}
    return Archive(toc=toc, created_at=header.get("Archive created at", "?"),
                   dbname=header.get("dbname", "?"),
                   tables=sum(1 for line in toc if " TABLE DATA " in line))


def prepare_target(engine: Engine) -> list[str]:
    """Make sure the cluster-wide OGC role and PostGIS exist (the dump has neither); say what
    was done."""
    done = []
    try:
        with engine.begin() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": OGC_ROLE}):
                if not conn.scalar(text("SELECT rolsuper OR rolcreaterole FROM pg_roles "
                                        "WHERE rolname = current_user")):
                    raise BackupError(
                        f"Role {OGC_ROLE} is missing and this user may not create it: ask your "
                        f"database administrator to run CREATE ROLE {OGC_ROLE} NOLOGIN; "
                        f"GRANT {OGC_ROLE} TO {conn.scalar(text('SELECT current_user'))};")
                conn.execute(text(f"CREATE ROLE {OGC_ROLE} NOLOGIN"))
                done.append(f"created role {OGC_ROLE}")
            if not conn.scalar(text("SELECT pg_has_role(current_user, :r, 'MEMBER')"),
                               {"r": OGC_ROLE}):
                conn.execute(text(f"GRANT {OGC_ROLE} TO CURRENT_USER"))
                done.append(f"granted {OGC_ROLE} to the app's user")
            if not conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
                conn.execute(text("CREATE EXTENSION postgis"))
                done.append("created the postgis extension")
    except DBAPIError as exc:
        raise BackupError(f"Cannot prepare the database for the restore: {_db_message(exc)}. "
                          "If PostGIS is missing, a superuser must first run CREATE EXTENSION "
                          "postgis in this database.") from exc
    return done


def restore_backup(target: Target, pg_restore: str, path: Path, archive: Archive) -> None:
    """Replace the app's schemas with the backup's, in one transaction (all or nothing)."""
    # Schema public belongs to the database (PostGIS lives in it): never drop or recreate it.
    keep = [line for line in archive.toc
            if " SCHEMA - public " not in line and " SCHEMA public " not in line]
    with tempfile.NamedTemporaryFile("w", suffix=".list") as listing:
        listing.write("\n".join(keep) + "\n")
        listing.flush()
        args = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                "--exit-on-error", "--no-password", f"--use-list={listing.name}",
                f"--dbname={target.conninfo}", str(path)]
        _run(args, target, "The restore failed and was rolled back: the database is as it "
                           "was before. pg_restore said")


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in each of the app's tables (extension tables such as spatial_ref_sys left out)."""
    with engine.connect() as conn:
        names = conn.scalars(text("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
               AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid
                                AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
             ORDER BY c.relname""")).all()
        return {name: conn.scalar(text(f'SELECT count(*) FROM public."{name}"'))  # noqa: S608
                for name in names}


def sha256(path: Path) -> str:
    """The file's SHA-256, hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _run(args: list[str], target: Target, failure: str, stdout=None) -> None:
    try:
        result = subprocess.run(args, stdout=subprocess.DEVNULL if stdout is None else stdout,  # noqa: S603
                                stderr=subprocess.PIPE, text=True, env=target.env(), check=False)
    except OSError as exc:
        raise BackupError(f"Cannot run {args[0]}: {exc.strerror}.") from exc
    if result.returncode != 0:
        raise BackupError(f"{failure}: {_last_line(result.stderr)}")


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no message"])[-1]


def _db_message(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
