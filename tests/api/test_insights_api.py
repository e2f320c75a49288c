"""GET /api/v1/insights/largest-counterparts (INTERCHANGE.md "Headline figures")."""

import pytest

from tests.api.conftest import assert_error, assert_matches
from twinwise.core import taxonomy

FIGURE = "/api/v1/insights/largest-counterparts"
LIST = "/api/v1/partnerships"


def test_the_figure_has_the_documented_shape(client, api_world, openapi):
    response = client.get(
        FIGURE, {"n": 2, "regions": "europe,north-america", "kind": "sister-city"}
    )
    assert response.status_code == 200
    body = response.json()
    assert_matches(openapi, FIGURE, 200, body)
    assert (body["n"], body["regions"], body["kind"]) == (
        2,
        ["europe", "north-america"],
        ["sister-city"],
    )
    # Berlin–Beijing, Vancouver–Beijing (reported), Gothenburg–Beijing (active), Boston–Shanghai (dormant).
    assert (body["partnerships"], body["countries"]) == (4, 4)
    shanghai, beijing = body["counterparts"]
    assert (shanghai["name"], shanghai["wikidata"], shanghai["population"]) == (
        "Shanghai",
        "Q8686",
        24_874_500,
    )
    assert (shanghai["partnerships"], shanghai["countries"]) == (1, 1)
    assert (beijing["partnerships"], beijing["countries"]) == (3, 3)
    assert "ended" in body["method"]


def test_defaults_are_gmfs_question(client, api_world):
    body = client.get(FIGURE).json()
    assert (body["n"], body["regions"], body["kind"]) == (
        10,
        ["europe", "north-america"],
        ["sister-city"],
    )


def independent_count(client, figure: dict) -> tuple[int, int, dict[int, int]]:
    """Count the same thing through the registry endpoint: partnerships, countries, per city."""
    counted_statuses = [
        "reported",
        *(s for s in taxonomy.ids("partnership_statuses") if s != "ended"),
    ]
    params = {
        "counterpart": ",".join(str(c["id"]) for c in figure["counterparts"]),
        "region": ",".join(figure["regions"]),
        "kind": ",".join(figure["kind"]),
        "status": ",".join(counted_statuses),
        "page_size": 1,
    }
    body = client.get(LIST, params).json()
    countries = [v for v in body["facets"]["country"] if v["count"]]
    per_city = {}
    for city in figure["counterparts"]:
        per_city[city["id"]] = client.get(LIST, {**params, "counterpart": city["id"]}).json()[
            "count"
        ]
    return body["count"], len(countries), per_city


@pytest.mark.parametrize(
    "params",
    [
        {"n": 2},
        {"n": 3},
        {"n": 3, "regions": "europe"},
        {"n": 3, "regions": "europe,north-america,asia", "kind": "sister-city,friendship-city"},
        {"n": 5, "regions": "north-america", "kind": "friendship-city"},
    ],
)
def test_the_figure_equals_an_independent_count_through_the_registry(client, api_world, params):
    figure = client.get(FIGURE, params).json()
    partnerships, countries, per_city = independent_count(client, figure)
    assert figure["partnerships"] == partnerships
    assert figure["countries"] == countries
    assert {c["id"]: c["partnerships"] for c in figure["counterparts"]} == per_city


def test_repeated_parameters_are_accepted(client, api_world):
    repeated = client.get(
        FIGURE, {"n": 3, "regions": ["europe", "north-america"], "kind": ["sister-city"]}
    ).json()
    assert repeated == client.get(FIGURE, {"n": 3}).json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"n": "abc"}, "n"),
        ({"n": "0"}, "n"),
        ({"n": "101"}, "n"),
        ({"regions": "mars"}, "regions"),
        ({"regions": "europe,mars"}, "regions"),
        ({"kind": "bogus"}, "kind"),
        ({"region": "europe"}, "region"),
        ({"top": "5"}, "top"),
    ],
)
def test_bad_parameters_get_the_envelope_naming_the_field(client, db, openapi, params, field):
    response = client.get(FIGURE, params)
    assert_error(response, 400, "invalid_parameter", field)
    assert_matches(openapi, FIGURE, 400, response.json())
