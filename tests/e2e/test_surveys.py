"""The directors' poll in a browser, on the demo network: the network's moderator opens the
2026 poll, an officer drafts (bad input first: clear errors, nothing stored), admins submit,
the results page and the JSON agree with an independent tally of what was typed, and a city
sees itself against its peers. axe-core runs on every survey page of the journey.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e import exchange_world
from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT_MS
from tests.e2e.exchange_world import Member, sign_out, strong_session
from twinwise.access.actors import Actor
from twinwise.accounts.models import User
from twinwise.core import demo_network
from twinwise.surveys.demo import demo_poll_create
from twinwise.surveys.models import Campaign, Response

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("favicon_aborts_forgiven")]
favicon_aborts_forgiven = exchange_world.favicon_aborts_forgiven

# What the officers type, and what the results must therefore say.
LYON = {
    "motivations": ["Culture", "Investment and trade"],
    "relationship": "Good",
    "office": "Yes",
    "staff": "3",
}
MUNICH = {
    "motivations": ["Investment and trade", "Science and technology"],
    "relationship": "Fair",
    "office": "Yes",
    "staff": "8.5",
}


@pytest.fixture
def poll_network(transactional_db, monkeypatch):
    """The demo network (`twinwise demo`'s members and people, with their demo logins) and
    its closed 2025 poll — but not the 2026 one: the coordinator opens that in the browser."""
    monkeypatch.setitem(factories.COUNTRIES, "AT", ("Austria", "europe", "", 40))
    monkeypatch.setitem(factories.COUNTRIES, "PT", ("Portugal", "europe", "", 620))
    for city, iso2 in (
        ("Munich", "DE"),
        ("Lyon", "FR"),
        ("Gothenburg", "SE"),
        ("Vienna", "AT"),
        ("Toronto", "CA"),
        ("Porto", "PT"),
        ("Guangzhou", "CN"),
    ):
        factories.place(city, iso2)
    operator = Actor.operator("demo")
    demo_network.demo_network_create(actor=operator)
    demo_poll_create(actor=operator, years=(2025,))
    return {
        name: demo_member(name)
        for name in ("moderator", "julien.moreau", "claire.martin", "anna.weber")
    }


def demo_member(username: str) -> Member:
    return Member(
        user=User.objects.get(username=username),
        key=bytes.fromhex(demo_network.totp_key(username)),
    )


def sign_in(page, someone: Member) -> None:
    """Password, then the code the demo login's authenticator app shows now."""
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username or email address").fill(someone.username)
    page.get_by_label("Password").fill(demo_network.DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/\?next="))
    page.get_by_label("Code").fill(someone.code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def expect_axe_clean(page) -> None:
    violations = run_axe(page)
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"


def go_to_surveys(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")


def answer(page, typed: dict) -> None:
    for label in typed["motivations"]:
        page.get_by_role("group", name=re.compile("Why does your city work")).get_by_label(
            label, exact=True
        ).check()
    page.get_by_role("group", name=re.compile("describe your city's relationship")).get_by_label(
        typed["relationship"], exact=True
    ).check()
    page.get_by_label(re.compile("How many people work on international affairs")).fill(
        typed["staff"]
    )


def test_coordinator_opens_the_2026_poll_officers_answer_and_results_agree(
    page, browser, live_server, watcher, poll_network
):
    world = poll_network
    coordinator_page = coordinator_opens_the_poll(browser, live_server, watcher, world["moderator"])
    campaign = Campaign.objects.get(year=2026)

    officer_drafts_with_a_mistake_first(page, watcher, world["julien.moreau"], campaign)
    sign_out(page)
    admin_submits(page, world["claire.martin"], campaign, LYON, complete_office=True)
    sign_out(page)
    admin_submits(page, world["anna.weber"], campaign, MUNICH, complete_office=False)

    # The results page and the JSON agree with an independent tally of what was typed.
    coordinator_page.goto(f"/surveys/campaigns/{campaign.pk}/results/")
    expect(coordinator_page.get_by_text("2 organisations have responded.")).to_be_visible()
    expect(coordinator_page.get_by_role("heading", name="Beside GMF's 2021 poll")).to_be_visible()
    data = json.loads(
        coordinator_page.request.get(f"/surveys/campaigns/{campaign.pk}/results.json").text()
    )
    assert data["responses"] == 2
    relationship = data["questions"]["relationship"]
    assert relationship["counts"] == {"poor": 0, "fair": 1, "good": 1, "excellent": 0}
    assert relationship["percent"] == {"poor": 0.0, "fair": 50.0, "good": 50.0, "excellent": 0.0}
    motivations = data["questions"]["motivations"]
    assert motivations["counts"]["investment-trade"] == 2 and motivations["counts"]["culture"] == 1
    assert motivations["share_of_mentions"]["investment-trade"] == 50.0  # 2 of 4 mentions
    assert motivations["share_of_respondents"]["investment-trade"] == 100.0
    assert data["questions"]["international_staff_fte"] == {
        "n": 2,
        "mean": 5.8,
        "median": 5.8,
    }  # (3 + 8.5) / 2 = 5.75
    table = coordinator_page.get_by_role(
        "table", name="How would you describe your city's relationship with its Chinese partners?"
    )
    expect(table.get_by_role("row", name=re.compile(r"^Good 1 50\.0 %"))).to_be_visible()
    expect_axe_clean(coordinator_page)
    # Anonymous to peers: the breakdown hides groups below five.
    expect(coordinator_page.locator("#breakdown")).to_contain_text("hidden to protect anonymity")

    # Munich sees itself against its peers (Lyon), and its own answer stands out.
    page.goto(f"/surveys/campaigns/{campaign.pk}/peers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You and your peers")
    expect(page.get_by_role("main")).to_contain_text(
        "Fewer than 5 other organisations have answered"
    )
    expect_axe_clean(page)
    page.goto(f"/surveys/campaigns/{campaign.pk}/results/")
    expect_axe_clean(page)


def coordinator_opens_the_poll(browser, live_server, watcher, coordinator: Member):
    ctx = browser.new_context(base_url=live_server.url, locale="en-GB", **DESKTOP)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.on("page", watcher.attach)
    page = ctx.new_page()
    sign_in(page, coordinator)
    go_to_surveys(page)
    page.get_by_role("link", name="Open a campaign").click()
    expect_axe_clean(page)
    page.get_by_label("Year").fill("2026")
    page.get_by_label(re.compile("^Anonymous to peers")).check()
    page.get_by_label("Every verified member organisation").check()
    page.get_by_role("button", name="Open the campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Directors' poll 2026")
    expect(page.get_by_text("The campaign is open.")).to_be_visible()
    expect(page.get_by_text("0 of 5 organisations have submitted.")).to_be_visible()
    expect_axe_clean(page)
    return page


def officer_drafts_with_a_mistake_first(page, watcher, officer: Member, campaign) -> None:
    sign_in(page, officer)
    go_to_surveys(page)
    page.get_by_role("link", name="Answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation's answers")
    expect(page.get_by_role("button", name="Submit for your organisation")).to_have_count(0)
    answer(page, {**LYON, "staff": "-2"})
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save draft").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    forgive_the_400(watcher, posted.value.url)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("-2 is out of range: give a number from 0 to 1000")
    expect(alert).to_contain_text("Nothing was saved.")
    assert not Response.objects.filter(campaign=campaign).exists()
    expect_axe_clean(page)
    page.get_by_label(re.compile("How many people work on international affairs")).fill(
        LYON["staff"]
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    draft = Response.objects.get(campaign=campaign)
    assert draft.state == "draft" and draft.answers["international_staff_fte"] == 3


def forgive_the_400(watcher, url: str) -> None:
    """The 400 was the point of the step: take the watcher's notes about it back (the
    response, and chromium's console line for it); anything else it saw still fails."""
    notes = [p for p in watcher.problems if f"HTTP 400 for {url}" in p or "status of 400" in p]
    assert notes, watcher.problems
    for note in notes:
        watcher.problems.remove(note)
    watcher.assert_clean()


def admin_submits(page, admin: Member, campaign, typed: dict, *, complete_office: bool) -> None:
    sign_in(page, admin)
    page.goto(f"/surveys/campaigns/{campaign.pk}/answer/")
    if not complete_office:
        answer(page, typed)
    page.get_by_role("group", name="Does your city have an international office?").get_by_label(
        typed["office"], exact=True
    ).check()
    page.get_by_role("button", name="Submit for your organisation").click()
    expect(page.get_by_text("Your organisation's answers are submitted.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Directors' poll 2026")


@pytest.mark.parametrize("context", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_survey_pages_pass_axe(page, context, live_server, poll_network):
    """The pages the journey does not reach: lists, capacity, staffing, the builder."""
    last_year = Campaign.objects.get(year=2025)
    strong_session(context, live_server, poll_network["moderator"])
    for path in (
        "/surveys/",
        f"/surveys/campaigns/{last_year.pk}/",
        f"/surveys/campaigns/{last_year.pk}/results/",
        f"/surveys/campaigns/{last_year.pk}/capacity/",
        "/surveys/staffing/new/",
        "/surveys/directors-poll/",
        "/surveys/new/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect_axe_clean(page)
