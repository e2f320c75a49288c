"""Peer learning in a browser: Lyon's officer opens her report on a consulate's demand, asks
"Who else dealt with this?", requests an introduction to Munich; Munich's admin accepts from
the notifications; both see each other's contact details. Lyon's admin watches the
consulate on its profile page and gets the digest when Munich reports again.
Then axe-core on every peer-learning page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests import factories
from tests.cases.pages_fixtures import REPORT, actor
from tests.e2e import exchange_world
from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.conftest import PHONE
from tests.e2e.exchange_world import sign_in, sign_out, strong_session
from twinwise.cases import services as case_services
from twinwise.directory.models import Counterpart
from twinwise.peers import services

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("favicon_aborts_forgiven")]
exchange = exchange_world.exchange
favicon_aborts_forgiven = exchange_world.favicon_aborts_forgiven

CONSULATE = "Consulate General of the PRC in Munich"
MUNICH_TITLE = "Konsulat verlangt Absage eines Tibet-Films"
LYON_TITLE = "The consulate asked us to cancel a Tibet film"
NOTE = "We had the same letter; could we compare answers?"


@pytest.fixture
def peers(exchange):
    factories.country("CN")
    Counterpart.objects.create(
        kind="consulate",
        country_id="CN",
        name=CONSULATE,
        alt_names="Generalkonsulat der Volksrepublik China in München",
    )
    for key in ("ana", "claire", "max", "mia"):
        user = exchange[key].user
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    exchange["munich_report"] = report(
        exchange,
        "mia",
        MUNICH_TITLE,
        "Generalkonsulat der Volksrepublik China in München",
        members=[exchange["lyon"].pk],
    )
    exchange["lyon_report"] = report(
        exchange, "ana", LYON_TITLE, CONSULATE, members=[exchange["munich"].pk]
    )
    return exchange


def report(world, who, title, counterpart, *, members):
    author = actor(world[who].user)
    data = {**REPORT, "title": title, "counterpart_name": counterpart, "tlp": "amber"}
    case = case_services.case_create(actor=author, data=data, recipients={"members": members})
    return case_services.case_submit(actor=author, case=case)


def expect_axe_clean(page) -> None:
    violations = run_axe(page)
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"


def test_introduction_request_acceptance_and_the_digest(page, context, live_server, peers):
    lyon_case = peers["lyon_report"]

    # Lyon's officer: from her report to the peer finder, and an introduction request.
    sign_in(page, peers["ana"])
    page.goto(f"/cases/{lyon_case.pk}/")
    page.get_by_role("link", name="Who else dealt with this?").click()
    page.wait_for_url(re.compile(rf"/peers/\?case={lyon_case.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Who else dealt with this?")
    peer = page.locator("li.peer")
    expect(peer).to_have_count(1)
    expect(peer.get_by_role("heading", level=2)).to_have_text(peers["munich"].name)
    expect(peer.get_by_role("link", name=MUNICH_TITLE)).to_be_visible()
    expect(peer.locator(".peer__reasons")).to_contain_text("same counterpart")
    expect_axe_clean(page)
    peer.get_by_text(re.compile(r"^Ask .* for an introduction$")).click()
    peer.get_by_label("A short note (optional)").fill(NOTE)
    peer.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    expect(page.locator("li.peer .notice")).to_contain_text("Waiting for an answer")
    sign_out(page)

    # Munich's admin: the notification, then Accept.
    sign_in(page, peers["mia"])
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.locator(".notification__text").first).to_contain_text(
        f"{peers['lyon'].name} asks to be introduced to your office."
    )
    expect_axe_clean(page)
    page.get_by_role("link", name="Introductions").last.click()
    received = page.locator("li.intro").first
    expect(received).to_contain_text(NOTE)
    expect(received).to_contain_text("Ana Martin")
    expect_axe_clean(page)
    received.get_by_role("button", name="Accept and exchange contact details").click()
    expect(
        page.get_by_text("Accepted. Both offices now see each other's contact details.")
    ).to_be_visible()
    expect(page.locator("li.intro").first).to_contain_text("ana.martin@example.org")
    sign_out(page)

    # Lyon's officer sees Munich's contact (a fresh two-factor session in the browser).
    strong_session(context, live_server, peers["ana"])
    page.goto("/introductions/")
    asked = page.locator("li.intro").first
    expect(asked).to_contain_text("Accepted")
    expect(asked).to_contain_text("mia.weber@example.org")
    assert any(
        m.to == ["ana.martin@example.org"] and "mia.weber@example.org" in m.body
        for m in mail.outbox
    )
    page.context.clear_cookies()

    # Lyon's admin watches the consulate from its profile page …
    consulate = Counterpart.objects.get(name=CONSULATE)
    strong_session(context, live_server, peers["claire"])
    page.goto(f"/counterparts/{consulate.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CONSULATE)
    expect(page.locator(".response-sentence")).to_have_text("2 declined; 0 reported consequences")
    expect_axe_clean(page)
    page.get_by_role("button", name="Watch").click()
    expect(page.get_by_text("You watch this")).to_be_visible()
    # … Munich reports again; the digest brings it.
    report(
        peers, "max", "A second letter from the consulate", CONSULATE, members=[peers["lyon"].pk]
    )
    mail.outbox.clear()
    assert services.digests_send(frequency="weekly") >= 1
    digest = [m for m in mail.outbox if m.to == ["claire.dubois@example.org"]]
    assert digest and "A second letter from the consulate" in digest[0].body
    page.goto("/watches/")
    expect(page.get_by_role("link", name=CONSULATE)).to_be_visible()
    expect_axe_clean(page)


PAGES = {
    "finder": lambda w: f"/peers/?case={w['lyon_report'].pk}",
    "counterpart": lambda w: f"/counterparts/{Counterpart.objects.get(name=CONSULATE).pk}/",
    "introductions": lambda w: "/introductions/",
    "watches": lambda w: "/watches/",
    "notifications": lambda w: "/notifications/",
}


@pytest.mark.parametrize("context", [PHONE], ids=["390x844"], indirect=True)
def test_peer_pages_on_a_phone(page, context, live_server, peers):
    services.introduction_request(actor=actor(peers["mia"].user), case_id=peers["lyon_report"].pk)
    strong_session(context, live_server, peers["claire"])
    for name, path in PAGES.items():
        page.goto(path(peers))
        expect(page.locator("main h1")).to_be_visible()
        expect_axe_clean(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name} scrolls sideways on a phone ({width}px)"
