"""Errors: one JSON shape for APIs, friendly pages for browsers, never a stack trace."""

import pytest

from core import errors
from tests.conftest import make_app

APP_ERRORS = [errors.InvalidInput, errors.Unauthenticated, errors.Forbidden, errors.NotFound,
              errors.Conflict, errors.Unprocessable, errors.ServiceUnavailable]


@pytest.fixture(scope="module")
def failing_app(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/api/v1/raise/<name>")
    def raise_app_error(name):
        raise next(e for e in APP_ERRORS if e.__name__ == name)("Said clearly.", field="thing")

    @app.route("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals at /srv/app.py line 3")

    @app.route("/boom")
    def boom_page():
        raise RuntimeError("secret internals")

    return app


@pytest.mark.parametrize("error", APP_ERRORS, ids=lambda e: e.__name__)
def test_app_errors_answer_their_status_with_code_message_and_field(failing_app, error):
    response = failing_app.test_client().get(f"/api/v1/raise/{error.__name__}")
    assert response.status_code == error.status
    assert response.json == {"error": {"code": error.code, "message": "Said clearly.",
                                       "field": "thing"}}
    if error is errors.Unauthenticated:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unexpected_error_is_a_500_without_stack_trace(failing_app):
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body


def test_unexpected_error_on_a_page_is_a_friendly_html_page(failing_app):
    response = failing_app.test_client().get("/boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Sorry, something went wrong" in body and "secret internals" not in body


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_unknown_page_is_html_404(client):
    response = client.get("/nothing-here", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/api/v1/schools")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_body_over_the_limit_is_413(database_url):
    app = make_app(database_url, MAX_CONTENT_LENGTH=1000)
    response = app.test_client().post("/login", data={"email": "x" * 5000})
    assert response.status_code == 413


def test_security_headers_allow_only_our_assets_and_the_tile_server(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "https://tiles.example.test" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
