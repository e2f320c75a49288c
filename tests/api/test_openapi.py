"""The OpenAPI 3.1 document and the documentation page."""

import re

from openapi_spec_validator import validate

from twinwise.api.errors import ERROR_CODES


def test_the_document_is_valid_openapi_3_1(openapi):
    validate(openapi)
    assert openapi["openapi"].startswith("3.1")
    assert set(openapi["paths"]) >= {
        "/api/v1/partnerships",
        "/api/v1/partnerships/{id}",
        "/api/v1/insights/largest-counterparts",
    }


def test_every_operation_documents_its_error_envelope(openapi):
    envelope = openapi["components"]["schemas"]["ErrorEnvelope"]
    detail = openapi["components"]["schemas"]["ErrorDetail"]
    assert envelope["required"] == ["error"]
    assert set(detail["properties"]["code"]["enum"]) == set(ERROR_CODES)
    for path, operations in openapi["paths"].items():
        for operation in operations.values():
            assert "400" in operation["responses"], path


def test_list_parameters_are_documented(openapi):
    names = {p["name"] for p in openapi["paths"]["/api/v1/partnerships"]["get"]["parameters"]}
    assert names >= {
        "q",
        "scope",
        "sort",
        "page",
        "page_size",
        "kind",
        "status",
        "region",
        "counterpart",
    }


def test_docs_page_loads_everything_from_this_site_and_needs_no_inline_code(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "'self'" in response["Content-Security-Policy"]
    # Every script is a local file or JSON data (not executed, so allowed by script-src 'self').
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=|<style", html)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url
    assert '"validatorUrl": null' in html  # the validator badge would load from swagger.io


def test_api_root_points_to_the_docs(client):
    body = client.get("/api/v1/").json()
    assert body["docs"].endswith("/api/v1/docs")
    assert body["openapi"].endswith("/api/v1/openapi.json")
