"""GET /api/v1/partnerships and /api/v1/partnerships/{id}."""

import pytest

from tests.api.conftest import assert_error, assert_matches
from twinwise.access.actors import Actor
from twinwise.partnerships.models import Partnership
from twinwise.partnerships.presenters import partnership_record, with_related

LIST = "/api/v1/partnerships"
DETAIL = "/api/v1/partnerships/{id}"


def test_list_has_the_registry_shape_and_matches_the_schema(client, api_world, openapi):
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert_matches(openapi, LIST, 200, body)
    # scope=china by default: every visible tie with a Chinese side (not Berlin–Prague, not TLP:GREEN).
    assert body["count"] == 13
    assert (body["page"], body["page_size"], body["pages"]) == (1, 50, 1)
    assert len(body["results"]) == 13
    assert set(body["facets"]) >= {
        "side",
        "counterpart",
        "country",
        "region",
        "kind",
        "status",
        "decade",
    }
    kinds = {v["value"]: v["count"] for v in body["facets"]["kind"]}
    assert kinds == {"sister-city": 11, "friendship-city": 1, "memorandum-of-understanding": 1}
    for value in body["facets"]["status"]:
        assert set(value) == {"value", "label", "count"}


def test_each_record_is_the_interchange_record_plus_id_url_and_sources(client, api_world):
    tie = api_world["ties"]["prague_beijing"]
    body = client.get(LIST, {"q": "Prague", "counterpart": tie.counterpart_id}).json()
    [record] = body["results"]
    assert record["id"] == tie.pk
    assert record["url"] == f"http://testserver/partnerships/{tie.pk}/"
    assert record["local"] == {"name": "Prague", "country": "CZ", "wikidata": "Q1085"}
    assert record["counterpart"] == {
        "name": "Beijing",
        "country": "CN",
        "wikidata": "Q956",
        "kind": "city",
    }
    assert (record["status"], record["signed_on"], record["ended_on"]) == (
        "ended",
        "2016",
        "2019-10-09",
    )
    assert record["end_reason"] == "One-China clause"
    # The status source (the documented incident) is cited first.
    assert record["source"] == "https://example.org/prague ; Wikidata P190 dump (2022-01)"
    assert [s["role"] for s in record["sources"]] == ["status", "listing"]
    assert record["tlp"] == "clear"
    # The same fields, built by the one presenter the exports use too.
    [model] = with_related(
        actor=Actor.anonymous(), partnerships=[Partnership.objects.get(pk=tie.pk)]
    )
    expected = {k: v for k, v in partnership_record(model).items() if k != "domains"}
    assert {k: record[k] for k in expected} == expected


def test_a_reported_tie_has_a_null_status(client, api_world):
    tie = api_world["ties"]["berlin_beijing"]
    record = client.get(f"{LIST}/{tie.pk}").json()
    assert record["status"] is None
    assert record["domains"] == ["culture", "investment-trade"]


def test_filters_are_the_registry_filters(client, api_world):
    body = client.get(
        LIST, {"kind": "sister-city", "region": "europe,north-america", "status": "ended"}
    ).json()
    assert {(r["local"]["name"], r["counterpart"]["name"]) for r in body["results"]} == {
        ("Prague", "Beijing"),
        ("Prague", "Shanghai"),
        ("Gothenburg", "Shanghai"),
    }
    repeated = client.get(LIST, {"kind": ["friendship-city", "memorandum-of-understanding"]}).json()
    assert repeated["count"] == 2
    assert client.get(LIST, {"q": "上海"}).json()["count"] == 4  # Shanghai's visible ties
    assert client.get(LIST, {"scope": "all"}).json()["count"] == 14  # plus Berlin–Prague


def test_pagination(client, api_world):
    first = client.get(LIST, {"page_size": 5, "sort": "local"}).json()
    third = client.get(LIST, {"page_size": 5, "sort": "local", "page": 3}).json()
    assert (first["count"], first["pages"], len(first["results"]), len(third["results"])) == (
        13,
        3,
        5,
        3,
    )
    beyond = client.get(LIST, {"page": 9}).json()
    assert beyond["results"] == [] and beyond["count"] == 13


def test_invisible_records_are_never_listed(client, api_world):
    green = api_world["ties"]["lyon_shanghai_green"]
    ids = {r["id"] for r in client.get(LIST, {"scope": "all", "page_size": 200}).json()["results"]}
    assert green.pk not in ids
    assert "https://example.org/secret" not in client.get(LIST, {"scope": "all"}).content.decode()


def test_list_query_count_is_bounded(client, api_world, django_assert_max_num_queries):
    client.get(LIST)  # builds the in-memory facet index once
    with django_assert_max_num_queries(6):
        assert client.get(LIST, {"page_size": 200, "scope": "all"}).status_code == 200


def test_detail_matches_the_schema(client, api_world, openapi):
    tie = api_world["ties"]["prague_beijing"]
    response = client.get(f"{LIST}/{tie.pk}")
    assert response.status_code == 200
    assert_matches(openapi, DETAIL, 200, response.json())
    assert response.json()["external_id"] == tie.external_id


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"kind": "bogus"}, "kind"),
        ({"kind": "sister-city,bogus"}, "kind"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "10000"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"status": "alive"}, "status"),
        ({"region": "mars"}, "region"),
        ({"country": "Germany"}, "country"),
        ({"counterpart": "Beijing"}, "counterpart"),
        ({"decade": "1995"}, "decade"),
        ({"scope": "world"}, "scope"),
        ({"sort": "random"}, "sort"),
        ({"format": "csv"}, "format"),
    ],
)
def test_bad_list_parameters_get_the_envelope_naming_the_field(client, db, openapi, params, field):
    response = client.get(LIST, params)
    error = assert_error(response, 400, "invalid_parameter", field)
    assert_matches(openapi, LIST, 400, response.json())
    assert "Traceback" not in error["message"]


def test_unknown_and_invisible_records_are_not_found(client, api_world, openapi):
    green = api_world["ties"]["lyon_shanghai_green"]
    for pk in (green.pk, 999_999):
        response = client.get(f"{LIST}/{pk}")
        assert_error(response, 404, "not_found", None)
        assert_matches(openapi, DETAIL, 404, response.json())


@pytest.mark.parametrize(
    ("path", "field"), [("abc", "id"), ("0", "id"), ("99999999999999999999999", "id")]
)
def test_bad_ids_are_validation_errors_naming_the_field(client, db, path, field):
    assert_error(client.get(f"{LIST}/{path}"), 400, "validation_error", field)


def test_detail_takes_no_query_parameters(client, api_world):
    tie = api_world["ties"]["berlin_beijing"]
    assert_error(
        client.get(f"{LIST}/{tie.pk}", {"expand": "all"}), 400, "invalid_parameter", "expand"
    )


def test_unknown_paths_and_methods_get_the_envelope(client, db):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found", None)
    response = client.post(LIST)
    assert_error(response, 405, "method_not_allowed", None)
    assert response["Allow"] == "GET"
