"""The directors' poll in a browser: a coordinator opens the 2026 poll, officers draft, admins
submit (bad input first: clear errors, nothing stored), the results page and the JSON agree
with an independent tally of what was typed, and each city sees itself against its peers.
axe-core runs on every survey page of the journey.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.cases.pages_fixtures import organisation
from tests.e2e import exchange_world
from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS
from tests.e2e.exchange_world import Member, member, sign_in, sign_out
from twinwise.access.actors import Actor
from twinwise.surveys.models import Campaign, Response, Survey
from twinwise.surveys.services import campaign_close, campaign_open, responses_import

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
def poll_network(transactional_db):
    """Three verified member cities, their people, a coordinator and last year's poll."""
    lyon = organisation("lyon", "Lyon", "FR", population=522_000)
    munich = organisation("munich", "Munich", "DE", population=1_512_000)
    gothenburg = organisation("gothenburg", "Gothenburg", "SE", population=604_000)
    world = {
        "lyon": lyon,
        "munich": munich,
        "julien": member("julien.moreau", lyon),
        "claire": member("claire.martin", lyon, "admin"),
        "anna": member("anna.weber", munich, "admin"),
        "greta": member("greta.lind", gothenburg, "admin"),
        "coordinator": member("network.coordinator", None, ""),
    }
    world["coordinator"].user.is_moderator = True
    world["coordinator"].user.save(update_fields=["is_moderator"])
    survey = Survey.objects.get(slug="directors-poll")
    operator = Actor.operator()
    last_year = campaign_open(actor=operator, survey=survey, year=2025, anonymity="identified")
    lines = [
        {
            "member": "lyon",
            "answers": {
                "motivations": ["culture"],
                "relationship": "fair",
                "has_international_office": "yes",
                "international_staff_fte": 3,
            },
        },
        {
            "member": "munich",
            "answers": {
                "motivations": ["investment-trade"],
                "relationship": "fair",
                "has_international_office": "yes",
                "international_staff_fte": 8,
            },
        },
        {
            "member": "gothenburg",
            "answers": {
                "motivations": ["climate"],
                "relationship": "poor",
                "has_international_office": "yes",
                "international_staff_fte": 4,
            },
        },
    ]
    responses_import(
        actor=operator,
        survey_slug="directors-poll",
        data="\n".join(json.dumps(x) for x in lines).encode(),
        year=2025,
    )
    campaign_close(actor=operator, campaign=last_year)
    return world


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
    coordinator_page = coordinator_opens_the_poll(
        browser, live_server, watcher, world["coordinator"]
    )
    campaign = Campaign.objects.get(year=2026)

    officer_drafts_with_a_mistake_first(page, watcher, world["julien"], campaign)
    sign_out(page)
    admin_submits(page, world["claire"], campaign, LYON, complete_office=True)
    sign_out(page)
    admin_submits(page, world["anna"], campaign, MUNICH, complete_office=False)

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
    sign_in(page, coordinator, start="/")
    go_to_surveys(page)
    page.get_by_role("link", name="Open a campaign").click()
    expect_axe_clean(page)
    page.get_by_label("Year").fill("2026")
    page.get_by_label(re.compile("^Anonymous to peers")).check()
    page.get_by_label("Every verified member organisation").check()
    page.get_by_role("button", name="Open the campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Directors' poll 2026")
    expect(page.get_by_text("The campaign is open.")).to_be_visible()
    expect(page.get_by_text("0 of 3 organisations have submitted.")).to_be_visible()
    expect_axe_clean(page)
    return page


def officer_drafts_with_a_mistake_first(page, watcher, officer: Member, campaign) -> None:
    sign_in(page, officer, start="/")
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
    sign_in(page, admin, start="/")
    page.goto(f"/surveys/campaigns/{campaign.pk}/answer/")
    if not complete_office:
        answer(page, typed)
    page.get_by_role("group", name="Does your city have an international office?").get_by_label(
        typed["office"], exact=True
    ).check()
    page.get_by_role("button", name="Submit for your organisation").click()
    expect(page.get_by_text("Your organisation's answers are submitted.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Directors' poll 2026")
