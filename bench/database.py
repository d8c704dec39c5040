"""The bench database: created next to the admin database, migrated, seeded once per seed/scale."""

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench import load, synthetic, synthetic_havens, synthetic_print

ROOT = Path(__file__).resolve().parent.parent
NAME = "safehavens_bench"
GENERATOR_VERSION = 3  # bump when bench.synthetic, synthetic_havens or synthetic_print change
CHURNED = ("pupil_map", "zone", "zone_cell", "session_cell", "submission_key", "mapping_session",
           "audit_event", "app_user", "api_token", "haven")


def admin_url() -> str:
    """BENCH_ADMIN_URL, else DATABASE_URL's server, else the project-local cluster."""
    url = os.environ.get("BENCH_ADMIN_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    out = subprocess.run([str(ROOT / "scripts" / "pg.sh"), "url", "postgres"], check=True,  # noqa: S603
                         capture_output=True, text=True)
    return out.stdout.strip()


def name_for(scale: synthetic.Scale) -> str:
    """BENCH_DATABASE if set (another name keeps runs apart), else the scale's own database."""
    return os.environ.get("BENCH_DATABASE") or (NAME if scale.boroughs == 1 else f"{NAME}_london")


def sqlalchemy_url(admin: str, name: str = NAME) -> str:
    """The bench database's URL for SQLAlchemy (the app)."""
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def conninfo(url: str) -> str:
    """The same URL for psycopg (libpq)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connect(url: str, **kwargs) -> psycopg.Connection:
    """A psycopg connection to the bench database."""
    return psycopg.connect(conninfo(url), **kwargs)


def wanted_marker(seed: int, scale: synthetic.Scale) -> dict:
    """What a seeded database records about itself; any difference means re-seeding."""
    return {"seed": seed, "scale": dataclasses.asdict(scale), "generator": GENERATOR_VERSION,
            "migrations": _alembic_head()}


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    from core.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_marker(url: str) -> dict | None:
    """The marker of an existing bench database, or None (missing, or seeding never finished)."""
    try:
        with connect(url) as conn:
            row = conn.execute("SELECT value FROM bench_meta WHERE key = 'marker'").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def ensure(admin: str, seed: int, scale: synthetic.Scale, log=print) -> tuple[str, dict]:
    """The URL of a bench database seeded for seed/scale (re-created if it differs)."""
    name = name_for(scale)
    url = sqlalchemy_url(admin, name)
    wanted = wanted_marker(seed, scale)
    if current_marker(url) == wanted:
        log(f"Reusing {name} (seed {seed}, {scale.maps} maps); vacuuming what runs deleted...")
        with connect(url) as conn:  # maps a killed run left behind (seeded ids come first)
            conn.execute("DELETE FROM pupil_map WHERE id > %s", [scale.maps * scale.boroughs])
            conn.execute("DELETE FROM haven WHERE id > %s", [scale.havens])
        vacuum(url)
        return url, {**seeding_info(url), "reused": True}
    started = time.perf_counter()
    _recreate(admin, name)
    _migrate(url)
    basemap = _seed_london(url, seed, scale, log) if scale.boroughs > 1 else \
        _seed_borough(url, seed, scale, log)
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log("Building the heatmap aggregates (aggregates.rebuild, as `flask heatmap rebuild`)...")
    rebuild = timed_rebuild(url)
    info = {"reused": False, "rebuild_all": rebuild, "basemap": basemap,
            "seed_seconds": round(time.perf_counter() - started, 1)}
    with connect(url) as conn:
        conn.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute("INSERT INTO bench_meta VALUES ('marker', %s), ('seeding', %s)",
                     [json.dumps(wanted), json.dumps(info)])
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url, info


def _seed_borough(url: str, seed: int, scale: synthetic.Scale, log) -> dict:
    log(f"Generating {scale.maps} pupil maps (seed {seed})...")
    borough = synthetic.generate(seed, scale)
    borough.schools += synthetic_print.extra_schools(seed, borough.schools, scale.print_schools)
    havens = synthetic_havens.generate(seed, scale.havens)
    log(f"Loading {len(borough.schools)} schools, {len(borough.zones)} zones and {len(havens)} "
        "havens with COPY...")
    with connect(url) as conn:
        load.copy_borough(conn, borough, havens)
    log("Importing a synthetic basemap (core.basemap, as `flask import basemap`)...")
    return load.import_basemap(url, synthetic_print.basemap(seed, borough.schools))


def _seed_london(url: str, seed: int, scale: synthetic.Scale, log) -> None:
    log(f"Generating {scale.boroughs} boroughs of {scale.maps} pupil maps (seed {seed})...")
    boroughs = synthetic.london_boroughs(seed, scale)
    zones = sum(len(b.zones) for b in boroughs)
    log(f"Loading {scale.boroughs} boroughs, {zones} zones with COPY...")
    with connect(url) as conn:
        for borough in boroughs:
            load.copy_borough(conn, borough, [])


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the tables the workloads add rows to and delete them from, so that a
    reused database reads like a freshly seeded one (all-visible pages, no dead rows)."""
    with connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(CHURNED)}")


def timed_rebuild(url: str) -> dict:
    """Run the project's full rebuild and say how long it took, and when."""
    started = time.perf_counter()
    maps = load.rebuild_aggregates(url)
    return {"seconds": round(time.perf_counter() - started, 2), "maps": maps,
            "at": datetime.now(UTC).isoformat(timespec="seconds")}


def seeding_info(url: str) -> dict:
    """What seeding recorded (its full rebuild's time among it)."""
    with connect(url) as conn:
        row = conn.execute("SELECT value FROM bench_meta WHERE key = 'seeding'").fetchone()
    return row[0] if row else {}


def _recreate(admin: str, name: str) -> None:
    with psycopg.connect(conninfo(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    done = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stderr}")


def counts(url: str) -> dict:
    """Rows in the tables the workloads use."""
    tables = ("school", "mapping_session", "pupil_map", "zone", "zone_cell", "session_cell",
              "haven", "basemap_feature")
    with connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in tables}


def versions(url: str) -> dict:
    """PostgreSQL and PostGIS versions, and the settings that matter for these workloads."""
    with connect(url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        settings = {name: one(f"SHOW {name}") for name in (
            "jit", "max_parallel_workers_per_gather", "shared_buffers", "work_mem")}
        return {"postgresql": one("SHOW server_version"),
                "postgis": one("SELECT postgis_full_version()"), "pg_settings": settings}
