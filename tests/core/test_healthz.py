"""/healthz: versions when the database is there, 503 when it is not, and recovery."""

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import make_app
from tests.tcp_proxy import Proxy


def test_healthz_reports_database_and_postgis_versions(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok"
    assert body["database"][:2].isdigit() and body["postgis"].startswith("3.")


@pytest.fixture
def proxied_app(database_url):
    url = make_url(database_url)
    host = url.query.get("host") or url.host
    port = url.port or 5432
    target = f"{host}/.s.PGSQL.{port}" if host and host.startswith("/") else (host, port)
    proxy = Proxy(target)
    proxy.start()
    via_proxy = url.set(host="127.0.0.1", port=proxy.port, query={})
    app = make_app(via_proxy.render_as_string(hide_password=False))
    yield app, proxy
    proxy.stop()
    app.extensions["db"]["engine"].dispose()


def test_healthz_is_503_while_the_database_is_down_and_recovers_without_restart(proxied_app):
    app, proxy = proxied_app
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    proxy.stop()
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json == {"status": "unavailable", "database": "unreachable"}
    proxy.start()
    assert client.get("/healthz").status_code == 200
