"""/api/v1/cases: list, detail, comments and create, through the same search, selectors,
services and redaction as the pages; errors in the API's one envelope."""

import json

import pytest
from django.test import Client

from tests.cases.search_world import search_world_fixture  # noqa: F401
from twinwise.accounts.services import api_token_create
from twinwise.cases.models import Case, CaseRecipientOrganisation, CaseRecipientUser

pytestmark = [pytest.mark.django_db]

LIST = "/api/v1/cases"


def token_for(world, persona) -> str:
    _token, raw = api_token_create(
        actor=world.actors[persona], user=world.users[persona], name="tests"
    )
    return raw


@pytest.fixture(scope="module")
def tokens(search_world, django_db_blocker):
    """A Bearer token per member persona (made inside the module's world)."""
    with django_db_blocker.unblock():
        return {
            name: token_for(search_world, name)
            for name in (
                "lyon_author",
                "lyon_admin",
                "munich_officer",
                "munich_admin",
                "gothenburg_admin",
                "gothenburg_author",
                "unverified_officer",
            )
        }


def get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def post(client, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(LIST, json.dumps(body), content_type="application/json", headers=headers)


def assert_envelope(response, status, code, field=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert error["field"] == field, error
    return error


# -- list ---------------------------------------------------------------------------------


def test_list_for_a_visitor_holds_public_reports_only(client, search_world):
    body = get(client, LIST).json()
    assert body["count"] == len(body["results"]) > 0
    assert {item["tlp"] for item in body["results"]} == {"clear"}
    assert {item["state"] for item in body["results"]} == {"published"}
    first = body["results"][0]
    assert {"id", "external_id", "url", "reporter", "title"} <= set(first)
    assert first["url"].startswith("http://testserver/cases/")
    assert "state" not in body["facets"]


def test_list_with_a_token_shows_what_the_member_may_see(client, search_world, tokens):
    body = get(client, LIST, tokens["munich_officer"], q="zebrafinch").json()
    assert [item["id"] for item in body["results"]] == [search_world.cases["lyon_secret"].pk]
    body = get(client, LIST, tokens["gothenburg_admin"], q="zebrafinch").json()
    assert body["count"] == 0
    assert body["results"] == []


def test_list_filters_facets_and_pages(client, search_world, tokens):
    token = tokens["lyon_author"]
    body = get(client, LIST, token, topic="tibet", page_size="1").json()
    assert body["count"] == 2 and body["pages"] == 2 and len(body["results"]) == 1
    second = get(client, LIST, token, topic="tibet", page_size="1", page="2").json()
    assert second["results"][0]["id"] != body["results"][0]["id"]
    topics = {f["value"]: f["count"] for f in body["facets"]["topic"]}
    assert topics["tibet"] == 2
    mine = get(client, LIST, token, mine="1", state="draft").json()
    assert mine["count"] > 0
    assert {item["state"] for item in mine["results"]} == {"draft"}


def test_list_redacts_anonymous_reports(client, search_world, tokens):
    body = get(client, LIST, tokens["lyon_author"], country="withheld").json()
    assert body["count"] > 0
    for item in body["results"]:
        assert item["reporter"]["generalised"] is True
        assert item["reporter"]["organisation"] is None
        assert item["reporter"]["author"] is None
    assert "Gothenburg" not in json.dumps(body)
    countries = {f["value"] for f in body["facets"]["country"]}
    assert "SE" not in countries


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"topic": "bogus"}, "topic"),
        ({"case_type": "nope"}, "case_type"),
        ({"tlp": "white"}, "tlp"),
        ({"page_size": "100000"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_list_bad_parameters_are_400_naming_the_field(client, search_world, params, field):
    assert_envelope(get(client, LIST, **params), 400, "invalid_parameter", field)


def test_a_bad_token_is_refused_not_treated_as_anonymous(client, search_world):
    response = get(client, LIST, "tw_not-a-real-token")
    assert_envelope(response, 401, "permission_denied")


def test_list_query_count_is_bounded(client, search_world, tokens, django_assert_max_num_queries):
    get(client, LIST, tokens["lyon_author"])  # warm up
    with django_assert_max_num_queries(16):
        response = get(
            client, LIST, tokens["lyon_author"], q="consulat", topic="tibet", page_size="50"
        )
    assert response.status_code == 200


# -- detail and comments ------------------------------------------------------------------


def test_detail_of_a_visible_report(client, search_world, tokens):
    case = search_world.cases["lyon_secret"]
    body = get(client, f"{LIST}/{case.pk}", tokens["munich_officer"]).json()
    assert body["id"] == case.pk and body["external_id"] == "prose-lyon_secret"
    assert body["title"] == case.title
    assert body["can"]["comment"] is True and body["can"]["edit"] is False


@pytest.mark.parametrize(
    ("persona", "case"),
    [
        ("gothenburg_admin", "lyon_secret"),  # red, not a recipient
        ("munich_admin", "lyon_red_published"),  # red, recipient is munich_officer only
        ("unverified_officer", "munich_film"),  # green: verified members only
        (None, "munich_film"),  # green: anonymous
        ("lyon_author", "gothenburg_anon_amber_strict"),  # another organisation's
        ("munich_officer", "lyon_green_draft"),  # someone else's draft
    ],
)
def test_invisible_reports_are_404(client, search_world, tokens, persona, case):
    token = tokens.get(persona) if persona else None
    pk = search_world.cases[case].pk
    assert_envelope(get(client, f"{LIST}/{pk}", token), 404, "not_found")
    assert_envelope(get(client, f"{LIST}/{pk}/comments", token), 404, "not_found")


def test_a_missing_report_answers_like_an_invisible_one(client, search_world, tokens):
    missing = get(client, f"{LIST}/999999", tokens["gothenburg_admin"])
    hidden = get(
        client, f"{LIST}/{search_world.cases['lyon_secret'].pk}", tokens["gothenburg_admin"]
    )
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_comments_of_a_visible_report(client, search_world, tokens):
    case = search_world.cases["lyon_red_published"]
    body = get(client, f"{LIST}/{case.pk}/comments", tokens["munich_officer"]).json()
    assert body["count"] == 1
    assert body["results"][0]["body"] == "We had the same letter."
    assert {"who", "office", "created_at", "body"} == set(body["results"][0])


def test_comments_on_an_anonymous_report_do_not_name_its_office(client, search_world, tokens):
    case = search_world.cases["gothenburg_anon_green"]
    body = get(client, f"{LIST}/{case.pk}/comments", tokens["lyon_author"]).json()
    assert body["count"] == 1
    assert "Gothenburg" not in json.dumps(body)
    assert "gothenburg" not in json.dumps(body)


def test_detail_takes_no_parameters(client, search_world):
    pk = search_world.cases["lyon_flag"].pk
    assert_envelope(get(client, f"{LIST}/{pk}", x="1"), 400, "invalid_parameter", "x")


# -- create -------------------------------------------------------------------------------

REPORT = {
    "title": "Request to cancel a Falun Gong exhibition",
    "occurred_on": "2024-06",
    "counterpart": {"kind": "consulate", "name": "Consulate General of the PRC in Munich"},
    "case_type": "demand",
    "topics": ["falun-gong"],
    "channel": "letter",
    "summary": "The consulate asked us to cancel the exhibition in the town hall.",
    "response_type": "declined",
    "language": "en",
    "tlp": "amber",
    "recipients": {"members": ["munich"]},
}


@pytest.fixture
def writer(search_world, tokens):
    """Tests that write run inside the module's world; each test's changes roll back."""
    return search_world, tokens


def test_create_a_draft(writer):
    world, tokens = writer
    client = Client()
    response = post(client, {**REPORT, "tlp": "green", "recipients": None}, tokens["lyon_author"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["tlp"] == "green"
    assert body["counterpart"] == {"kind": "consulate", "name": REPORT["counterpart"]["name"]}
    assert body["reporter"]["organisation"]["slug"] == "lyon"
    case = Case.objects.get(pk=body["id"])
    assert case.author == world.users["lyon_author"] and case.occurred_year == 2024


def test_create_and_submit_amber_reaches_its_recipients(writer):
    world, tokens = writer
    client = Client()
    body = post(client, {**REPORT, "submit": True}, tokens["lyon_author"]).json()
    assert body["state"] == "published"
    assert CaseRecipientOrganisation.objects.filter(
        case_id=body["id"], organisation=world.organisations["munich"]
    ).exists()
    seen = get(client, f"{LIST}/{body['id']}", tokens["munich_officer"])
    assert seen.status_code == 200
    assert get(client, f"{LIST}/{body['id']}", tokens["gothenburg_admin"]).status_code == 404


def test_create_red_with_a_named_person(writer):
    world, tokens = writer
    client = Client()
    report = {**REPORT, "tlp": "red", "recipients": {"users": ["munich_officer"]}, "submit": True}
    body = post(client, report, tokens["lyon_author"]).json()
    assert CaseRecipientUser.objects.filter(
        case_id=body["id"], user=world.users["munich_officer"]
    ).exists()
    assert get(client, LIST, tokens["munich_officer"], q="falun").json()["count"] == 1
    assert get(client, LIST, tokens["gothenburg_admin"], q="falun").json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"case_type": "bogus"}, "case_type"),
        ({"topics": ["tibet", "bogus"]}, "topics"),
        ({"counterpart": {"kind": "town", "name": "X"}}, "counterpart.kind"),
        ({"response_type": "shrugged"}, "response_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"tlp": "white"}, "tlp"),
        ({"occurred_on": "2021-13"}, "occurred_on"),
        ({"language": "english"}, "language"),
        ({"title": ""}, "title"),
        ({"tlp": "green"}, "recipients.members"),  # organisations only for amber
        ({"tlp": "red"}, "recipients.members"),
        ({"tlp": "amber", "recipients": {"users": ["munich_officer"]}}, "recipients.users"),
        ({"recipients": {"members": ["no-such-city"]}}, "recipients.members"),
        ({"recipients": {"members": ["pilsen"]}}, "recipients.members"),  # not verified
        ({"recipients": {"members": ["lyon"]}}, "recipients.members"),  # itself
        ({"tlp": "red", "recipients": {"users": ["nobody"]}}, "recipients.users"),
        ({"summary": "", "submit": True}, "summary"),  # incomplete for sharing
    ],
)
def test_create_bad_input_is_400_naming_the_field_and_stores_nothing(writer, change, field):
    _world, tokens = writer
    before = Case.objects.count()
    response = post(Client(), {**REPORT, **change}, tokens["lyon_author"])
    assert_envelope(response, 400, "invalid_parameter", field)
    assert Case.objects.count() == before


def test_create_unknown_body_field_is_400(writer):
    _world, tokens = writer
    response = post(Client(), {**REPORT, "colour": "red"}, tokens["lyon_author"])
    error = assert_envelope(response, 400, "validation_error")
    assert error["field"].endswith("colour")


def test_create_needs_a_member(writer):
    world, _tokens = writer
    before = Case.objects.count()
    assert_envelope(post(Client(), REPORT), 401, "permission_denied")
    # Signed in through the browser, but no CSRF token: refused.
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["lyon_author"])
    assert_envelope(post(client, REPORT), 403, "permission_denied")
    assert Case.objects.count() == before


def test_create_needs_an_organisation(writer):
    world, _tokens = writer
    _token, raw = api_token_create(
        actor=world.actors["outsider"], user=world.users["outsider"], name="tests"
    )
    assert_envelope(post(Client(), REPORT, raw), 403, "permission_denied")


def test_create_with_a_session_needs_two_factors(writer, monkeypatch):
    world, _tokens = writer
    client = Client()
    client.force_login(world.users["lyon_author"])
    assert_envelope(post(client, REPORT), 403, "permission_denied")
    monkeypatch.setattr("twinwise.access.actors.is_strongly_authenticated", lambda request: True)
    assert post(client, REPORT).status_code == 201


def test_openapi_documents_the_case_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases" in schema["paths"]
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/cases"])
    assert "/api/v1/cases/{id}/comments" in schema["paths"]
