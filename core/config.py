"""Configuration read from the environment, with safe defaults and a production safety check."""

import os
import secrets
from pathlib import Path

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
PRIVACY_FLOOR_PUPILS = 5
PRIVACY_FLOOR_SCHOOLS = 2
PRINT_BASEMAPS = ("auto", "vector", "tiles", "none")


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the message says what to set."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Read every setting from the environment into a Flask config mapping."""
    production = os.environ.get("SAFEHAVENS_ENV", "development") == "production"
    return {
        "PRODUCTION": production,
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "WORK_SRID": _env_int("WORK_SRID", 27700),
        "TILE_URL": os.environ.get("TILE_URL", DEFAULT_TILE_URL),
        "TILE_ATTRIBUTION": os.environ.get("TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
        "PRIVACY_MIN_PUPILS": _env_int("PRIVACY_MIN_PUPILS", 10),
        "PRIVACY_MIN_SCHOOLS": _env_int("PRIVACY_MIN_SCHOOLS", 3),
        "PRIVACY_ROUND_TO": _env_int("PRIVACY_ROUND_TO", 5),
        "PRIVACY_MIN_CELL_M": _env_int("PRIVACY_MIN_CELL_M", 100),
        "PRIVACY_SCHOOL_MIN_PUPILS": _env_int("PRIVACY_SCHOOL_MIN_PUPILS", 5),
        "PUPIL_DATA_RETENTION_DAYS": _env_int("PUPIL_DATA_RETENTION_DAYS", 730),
        "OGC_REFRESH_SECONDS": _env_int("OGC_REFRESH_SECONDS", 300),
        "OGC_REFRESH_IN_BACKGROUND": _env_bool("OGC_REFRESH_IN_BACKGROUND", True),
        "PAPER_READ_IN_BACKGROUND": _env_bool("PAPER_READ_IN_BACKGROUND", True),
        "PAPER_UPLOAD_MAX_BYTES": _env_int("PAPER_UPLOAD_MAX_BYTES", 200 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "STATEMENT_TIMEOUT_MS": _env_int("STATEMENT_TIMEOUT_MS", 30000),
        "STAFF_IDLE_MINUTES": _env_int("STAFF_IDLE_MINUTES", 30),
        "STAFF_ABSOLUTE_HOURS": _env_int("STAFF_ABSOLUTE_HOURS", 12),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_STORAGE_CHOSEN": bool(os.environ.get("RATELIMIT_STORAGE_URI")),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "LOGIN_LIMIT_PER_CLIENT": os.environ.get("LOGIN_LIMIT_PER_CLIENT", "20 per 10 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 10 minutes"),
        # Only wrong codes count, and a whole class shares one school address: 60 failures per
        # 10 minutes still makes guessing one of 2.6 x 10^10 codes hopeless.
        "JOIN_LIMIT_PER_CLIENT": os.environ.get("JOIN_LIMIT_PER_CLIENT", "60 per 10 minutes"),
        "SUBMIT_LIMIT_PER_CLIENT": os.environ.get("SUBMIT_LIMIT_PER_CLIENT",
                                                  "120 per 10 minutes"),
        "SUBMIT_LIMIT_PER_PUPIL": os.environ.get("SUBMIT_LIMIT_PER_PUPIL", "20 per 10 minutes"),
        # Shared by every file download (CSV, GeoJSON, KML, GPX, PDF, ZIP), per signed-in user.
        "EXPORT_LIMIT_PER_USER": os.environ.get("EXPORT_LIMIT_PER_USER", "60 per 10 minutes"),
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "HAVEN_VISIT_INTERVAL_MONTHS": _env_int("HAVEN_VISIT_INTERVAL_MONTHS", 12),
        "HAVEN_LAPSE_GRACE_MONTHS": _env_int("HAVEN_LAPSE_GRACE_MONTHS", 3),
        "HAVEN_DUE_SOON_DAYS": _env_int("HAVEN_DUE_SOON_DAYS", 30),
        "HAVEN_DUPLICATE_RADIUS_M": _env_int("HAVEN_DUPLICATE_RADIUS_M", 30),
        "HAVEN_MAP_RADIUS_M": _env_int("HAVEN_MAP_RADIUS_M", 1000),
        "PRINT_BASEMAP": os.environ.get("PRINT_BASEMAP") or "auto",
        "PRINT_TILE_URL": os.environ.get("PRINT_TILE_URL", ""),
        "PRINT_TILE_ATTRIBUTION": os.environ.get("PRINT_TILE_ATTRIBUTION",
                                                 "© OpenStreetMap contributors"),
        "PRINT_TILE_CACHE": os.environ.get("PRINT_TILE_CACHE", ""),
        "PRINT_WORKERS": _env_int("PRINT_WORKERS", 0),
        "SCHEME_NAME": os.environ.get("SCHEME_NAME") or "Safe Havens",
        "SCHEME_CONTACT": os.environ.get("SCHEME_CONTACT", ""),
        "PG_BIN_DIR": os.environ.get("PG_BIN_DIR", ""),
    }


def instance_secret_key(instance_path: str) -> str:
    """Return the development secret key kept in instance/, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f"secret_key.{os.getpid()}")
    candidate.write_text(secrets.token_hex(32))
    candidate.chmod(0o600)
    try:
        os.link(candidate, path)  # atomic: two workers starting at once agree on one key
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return path.read_text().strip()


def check_safe(config: dict) -> None:
    """Refuse settings that would put children's data at risk; say what to set instead."""
    problems = []
    if config["PRIVACY_MIN_PUPILS"] < PRIVACY_FLOOR_PUPILS:
        problems.append(f"PRIVACY_MIN_PUPILS must be at least {PRIVACY_FLOOR_PUPILS}")
    if config["PRIVACY_MIN_SCHOOLS"] < PRIVACY_FLOOR_SCHOOLS:
        problems.append(f"PRIVACY_MIN_SCHOOLS must be at least {PRIVACY_FLOOR_SCHOOLS}")
    if config["PRIVACY_SCHOOL_MIN_PUPILS"] < PRIVACY_FLOOR_PUPILS:
        problems.append(f"PRIVACY_SCHOOL_MIN_PUPILS must be at least {PRIVACY_FLOOR_PUPILS}")
    if config["PRIVACY_MIN_CELL_M"] < 100:
        problems.append("PRIVACY_MIN_CELL_M must be at least 100 (metres)")
    if config["PRIVACY_ROUND_TO"] < 1:
        problems.append("PRIVACY_ROUND_TO must be at least 1")
    if config["STATEMENT_TIMEOUT_MS"] < 0:
        problems.append("STATEMENT_TIMEOUT_MS must be 0 (no limit) or more (milliseconds)")
    problems += _printing_problems(config)
    if config["PRODUCTION"]:
        problems += _production_problems(config)
    if problems:
        raise ConfigError("Unsafe configuration: " + "; ".join(problems) + ".")


def _printing_problems(config: dict) -> list[str]:
    problems = []
    if not 300 <= config.get("HAVEN_MAP_RADIUS_M", 1000) <= 3000:
        problems.append("HAVEN_MAP_RADIUS_M must be between 300 and 3000 (metres)")
    if config.get("PRINT_BASEMAP", "auto") not in PRINT_BASEMAPS:
        problems.append(f"PRINT_BASEMAP must be one of {', '.join(PRINT_BASEMAPS)}")
    return problems


def _production_problems(config: dict) -> list[str]:
    problems = []
    if len(config.get("SECRET_KEY") or "") < 32:
        problems.append("set SECRET_KEY to a random string of at least 32 characters "
                        "(python -c 'import secrets; print(secrets.token_hex(32))')")
    if not config.get("DATABASE_URL"):
        problems.append("set DATABASE_URL to your PostGIS database")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("serve over HTTPS and leave SESSION_COOKIE_SECURE on")
    if not config.get("RATELIMIT_STORAGE_CHOSEN"):
        problems.append("set RATELIMIT_STORAGE_URI (redis://... so limits hold across "
                        "workers, or memory:// for a single worker)")
    return problems
