"""The API describes itself: OpenAPI 3 at /api/openapi.json and a self-hosted docs page."""

import re


def test_openapi_document_lists_the_endpoints_with_their_parameters(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/schools", "/api/v1/schools/{urn}", "/api/v1/boroughs",
            "/api/v1/me", "/api/v1/postcodes/{postcode}", "/api/v1/heatmap"} <= set(spec["paths"])
    parameters = {p["name"] for p in spec["paths"]["/api/v1/schools"]["get"]["parameters"]}
    assert {"borough", "bbox", "name", "limit", "offset", "format"} <= parameters
    content = spec["paths"]["/api/v1/schools"]["get"]["responses"]["200"]["content"]
    assert "application/geo+json" in content


def test_api_docs_page_loads_only_our_own_assets(client):
    html = client.get("/api/docs").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/static/") for url in urls)
    assert any(url.startswith("/static/vendor/swagger-ui-dist/") for url in urls)
    assert '"validatorUrl": null' in html


def test_heatmap_parameters_are_described_including_the_refused_ones(client):
    spec = client.get("/api/openapi.json").json
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/heatmap"]["get"]["parameters"]}
    assert {"borough", "cell", "kind", "term", "reason", "time", "year"} <= set(parameters)
    assert "Not allowed" in parameters["school"]["description"]
