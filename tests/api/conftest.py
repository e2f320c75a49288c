"""Fixture data and OpenAPI helpers for the /api/v1 tests."""

import pytest
from jsonschema import Draft202012Validator

from tests import factories
from twinwise.core.versioning import bump
from twinwise.partnerships.models import PartnershipSource


@pytest.fixture
def api_world(db):
    """The shared small world plus ties that make the headline figure interesting.

    Counted by the default figure with n=2 (Shanghai, Beijing; Europe and North America;
    sister-city; not ended): Berlin–Beijing (reported), Vancouver–Beijing (reported),
    Boston–Shanghai (dormant), Gothenburg–Beijing (active). Not counted: ended, other
    kinds, Osaka (Asia), Berlin–Wuhan (third city) and Lyon–Shanghai (TLP:GREEN, invisible).
    """
    world = factories.small_world()
    places, ties = world["places"], world["ties"]
    extra = {
        "boston_shanghai": factories.partnership(
            places["boston"], places["shanghai"], status="dormant", signed_on="1979"
        ),
        "gothenburg_beijing": factories.partnership(
            places["gothenburg"], places["beijing"], status="active"
        ),
        "berlin_wuhan": factories.partnership(
            places["berlin"], places["wuhan"], signed_on="2015-11"
        ),
        "lyon_shanghai_green": factories.partnership(
            places["lyon"], places["shanghai"], tlp="green"
        ),
    }
    ties.update(extra)
    PartnershipSource.objects.create(
        partnership=ties["prague_beijing"],
        role="listing",
        dataset="wikidata-2022",
        title="Wikidata P190 dump (2022-01)",
        reference="twinnings.csv:41",
    )
    PartnershipSource.objects.create(
        partnership=ties["lyon_shanghai_green"],
        role="status",
        url="https://example.org/secret",
        title="Secret",
    )
    bump("partnerships")
    return world


@pytest.fixture(scope="session")
def openapi():
    """The OpenAPI document, fetched once (building it touches no database)."""
    from django.test import Client

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def response_schema(doc: dict, path: str, status: int, method: str = "get") -> dict:
    """The JSON Schema of one documented response, with the document's components for $refs."""
    content = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    return {**content["schema"], "components": doc["components"]}


def assert_matches(doc: dict, path: str, status: int, body) -> None:
    """The body is valid against the response schema the OpenAPI document declares."""
    validator = Draft202012Validator(response_schema(doc, path, status))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def assert_error(response, status: int, code: str, field: str | None) -> dict:
    """An error envelope with this status, code and field."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert body["error"]["message"]
    return body["error"]
