"""Security headers on every page, as every kind of caller: a strict script policy whose nonce is
fresh per response and carried by every inline script, no inline event handlers, no-store for
staff and pupils, and HSTS only in production."""

import json
import re
import secrets
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest

from core.maps import MapAssets, add_point, base_map, map_parts, text_popup
from tests.conftest import make_app
from tests.mapping.conftest import body, feature, square
from tests.security import authorization_world
from tests.security.authorization_world import call

CALLERS = ("anonymous", "pupil", "teacher", "worker", "planner", "admin")
PRIVATE_CALLERS = {"pupil", "teacher", "worker", "planner", "admin"}
# The OGC API marks the answers that are the same for every caller public itself (kept as set).
CALLER_INDEPENDENT = ("/ogc",)
DOWNLOAD = re.compile(r"\.(<[^>]+>|[a-z0-9]+)$")  # /x.pdf, /export.<fmt>: files, not pages
STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")
ASSETS = MapAssets("/static/leaflet.js", "/static/leaflet.css", "/static/jquery.js")


class Scripts(HTMLParser):
    """The page's inline <script> elements, its JSON data blocks (which browsers never run, so
    they need no nonce) and any inline event-handler or javascript: attributes."""

    def __init__(self):
        super().__init__()
        self.inline: list[dict] = []
        self.data_blocks: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            is_data = attributes.get("type") == "application/json"
            (self.data_blocks if is_data else self.inline).append(attributes)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}=...>")


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: sources}."""
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {part[0]: part[1:] for part in parts}


def header_problems(response, path: str, private: bool) -> tuple[str, list[str]]:
    """This response's script nonce and what is wrong with its security headers."""
    problems = []
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", [])
    nonces = NONCE.findall(" ".join(scripts))
    if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or len(nonces) != 1:
        problems.append(f"script-src is {scripts}")
    if policy.get("frame-ancestors") != ["'none'"] or policy.get("object-src") != ["'none'"]:
        problems.append(f"CSP is {policy}")
    expected = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                "X-Frame-Options": "DENY"}
    problems += [f"{name}: {response.headers.get(name)}" for name, value in expected.items()
                 if response.headers.get(name) != value]
    if "Strict-Transport-Security" in response.headers:
        problems.append("HSTS outside production")
    cache = response.headers.get("Cache-Control", "")
    declared_public = cache.startswith("public") and path.startswith(CALLER_INDEPENDENT)
    if private and "no-store" not in cache and not declared_public:
        problems.append(f"Cache-Control is {cache!r}")
    return (nonces[0] if nonces else ""), problems


def script_problems(html: str, nonce: str) -> list[str]:
    """Inline scripts without this response's nonce, and inline event handlers."""
    parsed = Scripts()
    parsed.feed(html)
    problems = [f"inline <script> with nonce {s.get('nonce')!r}" for s in parsed.inline
                if not nonce or s.get("nonce") != nonce]
    return problems + [f"inline handler {h}" for h in parsed.handlers]


def page_paths(app, values: dict) -> list[str]:
    """Every GET URL rule that serves a page (not a file, not /static), with real arguments."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static" and not DOWNLOAD.search(rule.rule):
            paths.append(rule.build({name: values[name] for name in rule.arguments})[1])
    return paths


@pytest.fixture
def world(app, db_session):
    """Two boroughs, one caller of each kind (a logged-in browser each, and a pupil)."""
    return authorization_world.build(app, db_session)


def test_every_page_has_strict_headers_and_nonced_scripts_for_every_caller(app, connection,
                                                                          world):
    paths = page_paths(app, world.placeholders())
    wrong, nonces, pages, inline_scripts = [], [], 0, 0
    for caller in CALLERS:
        for path in paths:
            response = call(connection, world.callers[caller], "GET", path,
                            headers={"Accept": "text/html"})
            attachment = "attachment" in response.headers.get("Content-Disposition", "")
            if response.mimetype != "text/html" or attachment:
                continue
            pages += 1
            nonce, problems = header_problems(response, path, caller in PRIVATE_CALLERS)
            html = response.get_data(as_text=True)
            problems += script_problems(html, nonce)
            nonces.append(nonce)
            inline_scripts += html.count(f'nonce="{nonce}"')
            wrong += [f"GET {path} as {caller} ({response.status_code}): {p}" for p in problems]
    assert not wrong, "\n".join(wrong)
    assert pages >= 5 * len(CALLERS), f"only {pages} HTML pages answered"
    assert len(set(nonces)) == len(nonces), "a nonce was used for two responses"
    assert inline_scripts > 20, "the maps' inline scripts were not seen"


def test_pages_the_suite_must_cover_are_html_pages(app, connection, world):
    """The page loop above really reaches the map pages (not only login redirects)."""
    for caller, path in (("worker", "/schools"), ("anonymous", "/havens/"),
                         ("teacher", f"/mapping/sessions/{world.session_id}/results"),
                         ("planner", "/mapping/heatmap"), ("planner", "/mapping/hotspots"),
                         ("anonymous", "/api/docs")):
        response = call(connection, world.callers[caller], "GET", path,
                        headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.mimetype == "text/html", path
    draw = call(connection, world.callers["pupil"], "GET", "/draw")
    assert draw.status_code == 200 and b'id="map-config"' in draw.data


def test_the_same_page_gets_a_new_nonce_each_time(client):
    first, second = client.get("/login"), client.get("/login")
    assert NONCE.findall(first.headers["Content-Security-Policy"]) != NONCE.findall(
        second.headers["Content-Security-Policy"])


def test_swagger_ui_starts_from_a_file_with_its_settings_as_data(client):
    response = client.get("/api/docs")
    parsed = Scripts()
    parsed.feed(response.get_data(as_text=True))
    assert parsed.inline == [] and [s["id"] for s in parsed.data_blocks] == ["swagger-ui-config"]
    config = json.loads(re.search(r'id="swagger-ui-config"[^>]*>(.*?)</script>',
                                  response.get_data(as_text=True), re.S).group(1))
    assert config["url"] == "/api/openapi.json" and config["validatorUrl"] is None
    assert b"js/swagger-ui-init.js" in response.data
    assert client.get("/static/js/swagger-ui-init.js").status_code == 200


def test_the_pupils_api_answers_are_not_stored(connection, world):
    pupil = world.callers["pupil"]
    response = call(connection, pupil, "POST", f"/api/v1/sessions/{world.join_code}/maps",
                    data=body(feature(square(300, 300))),
                    headers={"Content-Type": "application/geo+json",
                             "Idempotency-Key": secrets.token_hex(16)})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_staff_api_answers_are_not_stored_but_public_pages_may_be(connection, world):
    me = call(connection, world.callers["teacher"], "GET", "/api/v1/me")
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    home = call(connection, world.callers["anonymous"], "GET", "/schools")
    assert home.status_code == 200 and "no-store" not in home.headers.get("Cache-Control", "")
    static = call(connection, world.callers["admin"], "GET", "/static/js/site.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_a_cache_control_a_view_sets_is_kept(connection, world):
    public = call(connection, world.callers["planner"], "GET", "/ogc/conformance",
                  headers={"Accept": "application/json"})
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "public, max-age=60"


def test_hsts_only_when_cookies_are_secure(database_url, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = make_app(database_url, SESSION_COOKIE_SECURE=True).test_client()
    response = production.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1]) >= 31536000


def test_folium_inline_scripts_carry_the_nonce_and_only_ours_do():
    fmap = base_map(center=(51.45, 0.0), zoom=14, tile_url="/t/{z}/{x}/{y}.png",
                    attribution="x", assets=ASSETS)
    add_point(fmap, lat=51.45, lon=0.0, label="</script><script>alert(1)</script>",
              popup=text_popup("</script><script>alert(2)</script>"))
    parts = map_parts(fmap, nonce="abc123")
    parsed = Scripts()
    parsed.feed(parts["head"] + parts["body"] + parts["script"])
    assert parsed.inline and all(s.get("nonce") == "abc123" for s in parsed.inline)
    assert parts["script"].count("<script") == 1 and "alert" in parts["script"]


def test_a_map_script_that_would_close_its_element_is_refused():
    fmap = base_map(center=(51.45, 0.0), zoom=14, tile_url="/t/{z}/{x}/{y}.png",
                    attribution="x", assets=ASSETS)
    folium.Marker([51.45, 0.0], tooltip="</script><script>alert(1)</script>").add_to(fmap)
    with pytest.raises(ValueError, match="close its own"):
        map_parts(fmap, nonce="abc123")


def test_our_javascript_builds_no_inline_handlers():
    handler = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=|setAttribute\(\s*['\"]on|javascript:", re.I)
    offenders = [f"{path.name}: {match.group(0)}" for path in sorted(STATIC_JS.glob("*.js"))
                 for match in handler.finditer(path.read_text())]
    assert not offenders, offenders
