"""The application factory."""

import os

from flask import Flask, Request, current_app
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import config as app_config
from core import db, errors, logs, security
from core.audit import services as audit
from core.extensions import api, csrf, limiter, login_manager

API_SETTINGS = {
    "API_TITLE": "Safe Havens API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui-dist/",
    # No validator badge: it would make the page call a third-party server.
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
    "API_SPEC_OPTIONS": {
        "info": {"description": "Safe Havens: havens, schools and privacy-safe mapping data."},
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
        }},
    },
}


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` up to PostgreSQL's integer: a larger id is a 404, not a database error."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# Endpoints whose bodies may exceed MAX_CONTENT_LENGTH, and the setting that bounds them.
LARGE_UPLOADS = {"paper_review.upload": "PAPER_UPLOAD_MAX_BYTES"}


class AppRequest(Request):
    """A request whose size limit is MAX_CONTENT_LENGTH, except on the few endpoints that take
    large uploads (decided when the URL is matched, before any form is read, even for CSRF)."""

    @property
    def max_content_length(self) -> int | None:
        setting = LARGE_UPLOADS.get(self.endpoint or "")
        if setting:
            return current_app.config[setting]
        return super().max_content_length


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app from the environment (and test overrides)."""
    app = Flask(__name__, root_path=_project_root(), instance_path=_instance_path())
    app.request_class = AppRequest
    _configure(app, test_config)
    db.init_app(app)
    logs.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    security.init_app(app)
    errors.init_app(app)
    app.after_request(audit.log_planner_access)
    return app


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _instance_path() -> str:
    return os.environ.get("SAFEHAVENS_INSTANCE", os.path.join(_project_root(), "instance"))


def _configure(app: Flask, test_config: dict | None) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    app.config.update(API_SETTINGS)
    app.config.update(app_config.from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"] and not app.config["PRODUCTION"]:
        app.config["SECRET_KEY"] = app_config.instance_secret_key(app.instance_path)
    app_config.check_safe(app.config)
    if not app.config.get("PRINT_TILE_CACHE"):
        app.config["PRINT_TILE_CACHE"] = os.path.join(app.instance_path, "tile-cache")
    security.configure_cookies(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from core.accounts import auth  # noqa: F401  (registers the session and token loaders)
    api.init_app(app)
    from core.places.schemas import empty_means_unset
    api.ma_plugin.converter.add_parameter_attribute_function(empty_means_unset)


def _register_blueprints(app: Flask) -> None:
    from core.accounts import routes as accounts_routes
    from core.pages import routes as pages_routes
    from core.places import routes as places_routes
    from havens import api as havens_api
    from havens import routes as havens_routes
    from mapping import (
        action_routes,
        crime_routes,
        haven_map_routes,
        heatmap_api,
        hotspot_routes,
        planner_routes,
        pupil_routes,
        school_routes,
        term_change_routes,
    )
    from mapping import api as mapping_api
    from mapping import routes as mapping_routes
    from mapping.ogc import routes as ogc_routes
    from mapping.paper import review_routes as paper_review_routes
    from mapping.paper import routes as paper_routes

    app.register_blueprint(pages_routes.pages)
    app.register_blueprint(accounts_routes.pages)
    app.register_blueprint(places_routes.pages)
    api.register_blueprint(places_routes.api_blp)
    api.register_blueprint(accounts_routes.api_blp)
    api.register_blueprint(havens_api.api_blp)
    app.register_blueprint(havens_routes.pages)
    app.register_blueprint(mapping_routes.pages)
    app.register_blueprint(pupil_routes.pupil_pages)
    app.register_blueprint(planner_routes.pages)
    app.register_blueprint(school_routes.pages)
    app.register_blueprint(hotspot_routes.pages)
    app.register_blueprint(action_routes.pages)
    app.register_blueprint(term_change_routes.pages)
    api.register_blueprint(mapping_api.api_blp)
    api.register_blueprint(heatmap_api.api_blp)
    app.register_blueprint(crime_routes.pages)
    api.register_blueprint(crime_routes.api_blp)
    app.register_blueprint(haven_map_routes.pages)
    app.register_blueprint(ogc_routes.ogc)
    app.register_blueprint(paper_routes.pages)
    app.register_blueprint(paper_review_routes.pages)


def _register_commands(app: Flask) -> None:
    from core.accounts.cli import users_cli
    from core.backup.cli import backup_cli
    from core.demo.cli import demo_cli
    from core.migrate import db_cli
    from core.places.cli import import_cli
    from havens.cli import havens_cli
    from havens.demo import seed_havens
    from mapping.cli import heatmap_cli, mapping_cli, maps_cli
    from mapping.demo import seed_mapping
    from mapping.ogc.cli import ogc_cli

    for group in (db_cli, users_cli, import_cli, demo_cli, havens_cli, mapping_cli,
                  heatmap_cli, maps_cli, ogc_cli, backup_cli):
        app.cli.add_command(group)
    app.extensions["demo_seeders"] = [seed_havens, seed_mapping]
