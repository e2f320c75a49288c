"""The survey pages: answering in the browser's way (forms), results, exports, coordinators."""

import io
import json

import pytest
from django.core import mail
from openpyxl import load_workbook

from tests.accounts.conftest import sign_in_verified
from twinwise.access.actors import Actor
from twinwise.surveys.models import CounterpartStaffing, Response
from twinwise.surveys.services import counterpart_staffing_create, responses_import

from .test_results import LINES, jsonl


@pytest.fixture
def as_user(client, poll):
    def login(name):
        sign_in_verified(client, poll.users[name])
        return client

    return login


def form(**answers) -> dict:
    data = {}
    for key, value in answers.items():
        data[f"q-{key}"] = value
    return data


def test_coordinator_opens_a_campaign_for_selected_members(as_user, poll):
    client = as_user("coordinator")
    assert client.get("/surveys/campaigns/new/").status_code == 200
    bad = client.post(
        "/surveys/campaigns/new/",
        {"survey": "directors-poll", "year": "20x6", "anonymity": "peers", "to": "all"},
    )
    assert bad.status_code == 400 and b"four digits" in bad.content
    none = client.post(
        "/surveys/campaigns/new/",
        {"survey": "directors-poll", "year": "2026", "anonymity": "peers", "to": "selected"},
    )
    assert none.status_code == 400 and b"at least one" in none.content
    ok = client.post(
        "/surveys/campaigns/new/",
        {
            "survey": "directors-poll",
            "year": "2026",
            "anonymity": "peers",
            "to": "selected",
            "organisations": ["lyon", "essen"],
        },
    )
    assert ok.status_code == 302
    page = client.get(ok["Location"])
    assert b"0 of 2 organisations" in page.content


def test_members_cannot_open_campaigns(as_user):
    assert as_user("lyon_admin").get("/surveys/campaigns/new/").status_code == 403


def test_officer_drafts_admin_submits_in_the_browser(client, as_user, poll):
    campaign = poll.open()
    url = f"/surveys/campaigns/{campaign.pk}/answer/"
    as_user("lyon_officer")
    page = client.get(url)
    assert page.status_code == 200 and b"Save draft" in page.content
    assert b"Submit for your organisation" not in page.content
    bad = client.post(
        url, {**form(relationship="splendid", international_staff_fte="-3"), "action": "save"}
    )
    assert bad.status_code == 400
    assert b"not one of the options" in bad.content and b"out of range" in bad.content
    assert not Response.objects.exists()
    saved = client.post(
        url, {**form(relationship="good", motivations=["culture", "tourism"]), "action": "save"}
    )
    assert saved.status_code == 302
    assert Response.objects.get().answers == {
        "relationship": "good",
        "motivations": ["culture", "tourism"],
    }
    client.logout()
    as_user("lyon_admin")
    incomplete = client.post(url, {**form(relationship="good"), "action": "submit"})
    assert incomplete.status_code == 400 and b"must be answered" in incomplete.content
    done = client.post(
        url,
        {
            **form(
                relationship="good",
                motivations=["culture"],
                has_international_office="yes",
                international_staff_fte="2,5",
                outlook="4",
                main_partner_city="Shanghai",
            ),
            "action": "submit",
        },
    )
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.state == "submitted"
    assert response.answers["international_staff_fte"] == 2.5
    assert response.answers["main_partner_city"] == 1796236


def test_results_page_exports_and_json_agree(as_user, poll):
    campaign = poll.open(anonymity="identified")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES))
    client = as_user("lyon_officer")
    page = client.get(f"/surveys/campaigns/{campaign.pk}/results/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "7 organisations have responded" in text
    assert "GMF" in text and "66 %" in text and "gmfus.org" in text
    assert "Answers by organisation" in text and "Boston international office" in text
    assert "Investment and trade, Climate" in text  # Gothenburg, in the options' order
    assert 'id="survey-charts"' in text and "<script>" not in text.replace("<script src", "")
    part = client.get(
        f"/surveys/campaigns/{campaign.pk}/results/?part=breakdown&by=country&question=relationship",
        HTTP_HX_REQUEST="true",
    )
    assert part.status_code == 200 and b"France" in part.content and b"<html" not in part.content
    assert client.get(f"/surveys/campaigns/{campaign.pk}/results/?by=planet").status_code == 400
    data = json.loads(client.get(f"/surveys/campaigns/{campaign.pk}/results.json").content)
    assert data["responses"] == 7 and data["questions"]["relationship"]["counts"]["good"] == 3
    csv_text = client.get(f"/surveys/campaigns/{campaign.pk}/results.csv").content.decode()
    assert "directors-poll,2026,relationship,good,3,42.9," in csv_text
    book = load_workbook(
        io.BytesIO(client.get(f"/surveys/campaigns/{campaign.pk}/results.xlsx").content)
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert ("directors-poll", 2026, "relationship", "good", 3, 42.9, None) in rows or any(
        r[2:6] == ("relationship", "good", 3, 42.9) for r in rows
    )
    assert client.get(f"/surveys/campaigns/{campaign.pk}/results.exe").status_code == 404


def test_peers_page_is_private_and_compares(as_user, poll):
    campaign = poll.open(anonymity="identified")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES))
    client = as_user("munich_admin")
    page = client.get(f"/surveys/campaigns/{campaign.pk}/peers/")
    assert page.status_code == 200
    assert b"6 other organisations" in page.content and b"Excellent" in page.content
    client.logout()
    sign_in_verified(client, poll.users["coordinator"])
    assert client.get(f"/surveys/campaigns/{campaign.pk}/peers/").status_code == 403


def test_invisible_campaigns_are_404(as_user, poll):
    campaign = poll.open(organisations=[poll.orgs["lyon"]])
    client = as_user("munich_admin")
    for path in ("", "answer/", "results/", "peers/", "capacity/", "results.csv"):
        assert client.get(f"/surveys/campaigns/{campaign.pk}/{path}").status_code == 404, path


def test_close_and_remind_from_the_campaign_page(as_user, poll, client):
    campaign = poll.open()
    as_user("lyon_admin")
    assert client.post(f"/surveys/campaigns/{campaign.pk}/close/").status_code == 403
    client.logout()
    as_user("coordinator")
    client.post(f"/surveys/campaigns/{campaign.pk}/remind/")
    assert len(mail.outbox) == 14  # officers and admins of the seven verified cities
    assert f"/surveys/campaigns/{campaign.pk}/answer/" in mail.outbox[0].body
    client.post(f"/surveys/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.state == "closed"
    client.logout()
    as_user("lyon_admin")
    closed = client.post(
        f"/surveys/campaigns/{campaign.pk}/answer/", {**form(relationship="good"), "action": "save"}
    )
    assert b"This campaign is closed" in closed.content
    assert not Response.objects.exists()


def test_capacity_and_staffing_pages(as_user, poll, client):
    from tests import factories

    campaign = poll.open(anonymity="identified")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES))
    shanghai = factories.place("Shanghai", "CN").__class__.objects.get(geonameid=1796236)
    factories.partnership(poll.orgs["lyon"].place, shanghai)
    as_user("lyon_officer")
    bad = client.post(
        "/surveys/staffing/new/",
        {"place": "Shanghai", "staff": "many", "year": "2024", "source": "Annual report"},
    )
    assert bad.status_code == 400 and b"whole number" in bad.content
    assert not CounterpartStaffing.objects.exists()
    ok = client.post(
        "/surveys/staffing/new/",
        {
            "place": "上海",
            "staff": "600",
            "year": "2024",
            "source": "Annual report",
            "source_url": "https://example.org/fao",
        },
    )
    assert ok.status_code == 302
    page = client.get(f"/surveys/campaigns/{campaign.pk}/capacity/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lyon – Shanghai" in text and "150.0 : 1" in text  # 600 staff against 4 FTE
    assert "0.8" in text  # Lyon: 4 FTE per 522,000 inhabitants = 0.77 per 100,000


def test_builder_pages(as_user, poll, client):
    as_user("coordinator")
    created = client.post("/surveys/new/", {"title": "Culture exchanges"})
    assert created.status_code == 302
    url = created["Location"]
    bad = client.post(
        url, {"key": "formats", "kind": "single", "text": "Format?", "options": "festival|Festival"}
    )
    assert bad.status_code == 400 and b"at least two options" in bad.content
    ok = client.post(
        url,
        {
            "section": "Exchanges",
            "key": "formats",
            "kind": "single",
            "text": "Format?",
            "options": "festival|Festival|de:Fest;fr:Fête\nschool|School",
            "translation_lang": "de",
            "translation_text": "Format?",
        },
    )
    assert ok.status_code == 302
    assert b"festival" in client.get(url).content
    from twinwise.surveys.models import Option

    assert Option.objects.get(value="festival").translations == {"de": "Fest", "fr": "Fête"}
    bad = client.post(
        url, {"key": "f2", "kind": "single", "text": "F?", "options": "a|A|deu:x\nb|B"}
    )
    assert bad.status_code == 400 and b"two-letter" in bad.content
    removed = client.post(url + "remove/", {"key": "formats"})
    assert removed.status_code == 302 and b"No questions yet" in client.get(url).content
    client.post(url + "remove/", {"key": "formats"})  # gone already: a message, nothing else
    assert (
        client.post("/surveys/directors-poll/remove/", {"key": "relationship"}).status_code == 403
    )
    assert client.get("/surveys/directors-poll/").status_code == 200
    assert client.get("/surveys/").status_code == 200


def test_counterpart_staffing_needs_a_chinese_city_and_a_source(poll):
    from twinwise.core.errors import UserFacingError

    lyon = poll.orgs["lyon"].place
    with pytest.raises(UserFacingError) as error:
        counterpart_staffing_create(
            actor=poll.actor("lyon_admin"), place=lyon, staff=5, year=2024, source="x"
        )
    assert error.value.field == "place"


def test_fully_anonymous_submission_in_the_browser_cannot_be_reopened(client, as_user, poll):
    campaign = poll.open(anonymity="full")
    url = f"/surveys/campaigns/{campaign.pk}/answer/"
    as_user("lyon_admin")
    page = client.get(url)
    assert b"cannot be opened or changed by anyone" in page.content
    data = {
        **form(relationship="good", motivations=["culture"], has_international_office="no"),
        "q-international_staff_fte": "0",
        "action": "submit",
    }
    assert client.post(url, data).status_code == 302
    assert Response.objects.get().organisation_id is None
    again = client.get(url)
    assert b"Your organisation has answered" in again.content
    assert client.post(url, data).status_code == 200  # the same page, nothing stored
    assert Response.objects.count() == 1
    results = client.get(f"/surveys/campaigns/{campaign.pk}/results/")
    assert b"Results are shown once 5 organisations have answered" in results.content
    assert client.get(f"/surveys/campaigns/{campaign.pk}/results.json").status_code == 400
    peers = client.get(f"/surveys/campaigns/{campaign.pk}/peers/")
    assert b"stored without any link to your organisation" in peers.content
