"""Configuration: safe defaults, and production refuses to start when unsafe."""

import pytest

from core import config
from core.app import create_app

GOOD_KEY = "k" * 40


def _production_env(monkeypatch, database_url, **env):
    values = {"SAFEHAVENS_ENV": "production", "DATABASE_URL": database_url,
              "SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": "memory://"}
    values.update(env)
    for key, value in values.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)


def test_production_without_secret_key_refuses_to_start_and_says_what_to_set(
        monkeypatch, database_url):
    _production_env(monkeypatch, database_url, SECRET_KEY=None)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_without_database_url_refuses(monkeypatch, database_url):
    _production_env(monkeypatch, database_url, DATABASE_URL=None)
    with pytest.raises(config.ConfigError, match="DATABASE_URL"):
        create_app()


def test_production_without_https_cookies_refuses(monkeypatch, database_url):
    _production_env(monkeypatch, database_url, SESSION_COOKIE_SECURE="0")
    with pytest.raises(config.ConfigError, match="HTTPS"):
        create_app()


def test_production_with_safe_settings_uses_host_prefixed_secure_cookies(
        monkeypatch, database_url):
    _production_env(monkeypatch, database_url)
    app = create_app()
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(("name", "value"), [("PRIVACY_MIN_PUPILS", "4"),
                                             ("PRIVACY_MIN_SCHOOLS", "1"),
                                             ("PRIVACY_MIN_CELL_M", "50")])
def test_privacy_thresholds_below_the_floor_are_refused_even_in_development(
        monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match=name):
        config.check_safe(config.from_environment())


def test_a_setting_that_is_not_a_number_is_named(monkeypatch):
    monkeypatch.setenv("WORK_SRID", "bng")
    with pytest.raises(config.ConfigError, match="WORK_SRID"):
        config.from_environment()


def test_development_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("SAFEHAVENS_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_are_british_national_grid_and_design_thresholds(monkeypatch):
    for name in ("WORK_SRID", "PRIVACY_MIN_PUPILS", "PRIVACY_MIN_SCHOOLS", "PRIVACY_ROUND_TO"):
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment()
    assert settings["WORK_SRID"] == 27700
    assert (settings["PRIVACY_MIN_PUPILS"], settings["PRIVACY_MIN_SCHOOLS"]) == (10, 3)
    assert settings["PRIVACY_ROUND_TO"] == 5


@pytest.mark.parametrize(("name", "value"), [("PRINT_BASEMAP", "satellite"),
                                             ("HAVEN_MAP_RADIUS_M", "50"),
                                             ("HAVEN_MAP_RADIUS_M", "9000")])
def test_printed_map_settings_out_of_range_are_refused_with_their_name(monkeypatch, name,
                                                                       value):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match=name):
        config.check_safe(config.from_environment())
