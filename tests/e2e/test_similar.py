"""Similar experiences in a browser, on the demo network (with the public record, as
`twinwise demo` loads it): Lyon's admin opens Lyon's report
of a consulate's demand to cancel a Tibet film; the panel, loaded by htmx after the page,
shows Munich's report (written in German) and Gothenburg's (shared with her by name) first,
each with its reasons. Then axe-core on the report page and on the similar page."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.exchange_world import PASSWORD, Member, sign_in
from twinwise.access.actors import Actor
from twinwise.accounts.models import User
from twinwise.cases.models import Case
from twinwise.cases.public_record import public_record_load
from twinwise.core import demo_network
from twinwise.similar.selectors import case_similar_list
from twinwise.similar.services import embeddings_backfill

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db, settings, tmp_path, monkeypatch):
    """The demo network (its cases embedded as the demo command does), committed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    monkeypatch.setitem(factories.COUNTRIES, "AT", ("Austria", "europe", "", 40))
    monkeypatch.setitem(factories.COUNTRIES, "PT", ("Portugal", "europe", "", 620))
    for name, iso2 in (
        ("Munich", "DE"),
        ("Lyon", "FR"),
        ("Gothenburg", "SE"),
        ("Vienna", "AT"),
        ("Toronto", "CA"),
        ("Porto", "PT"),
        ("Guangzhou", "CN"),  # China, for the demo's counterparts
    ):
        factories.place(name, iso2)
    operator = Actor.operator("e2e")
    public_record_load(actor=operator)  # as `twinwise demo`: the public record competes too
    demo_network.demo_network_create(actor=operator)
    embeddings_backfill(actor=operator)

    def case(key: str) -> Case:
        return Case.objects.get(external_id=demo_network.EXTERNAL_ID_PREFIX + key)

    return {
        "lyon": case("lyon-tibet-film"),
        "munich": case("munich-tibet-film"),
        "gothenburg": case("gothenburg-tibet-film"),
    }


def demo_member(username: str) -> Member:
    user = User.objects.get(username=username)
    return Member(user=user, key=bytes.fromhex(demo_network.totp_key(username)))


def test_similar_experiences_of_a_consulate_demand(demo, page, live_server):
    lyon, munich, gothenburg = demo["lyon"], demo["munich"], demo["gothenburg"]
    claire = demo_member("claire.martin")
    claire.user.set_password(PASSWORD)  # the journeys' sign-in helper types this one
    claire.user.save(update_fields=["password"])
    sign_in(page, claire)
    page.goto(f"/cases/{lyon.pk}/")

    panel = page.locator("#similar")
    expect(panel.get_by_role("heading", name="Similar experiences")).to_be_visible()
    items = panel.locator(".similar__item")
    expect(items.first).to_be_visible()
    titles = [items.nth(i).locator(".similar__title").inner_text() for i in range(2)]
    assert set(titles) == {munich.title, gothenburg.title}
    german = items.filter(has_text=munich.title)
    expect(german.get_by_role("list", name="Why it is similar")).to_contain_text(
        "a similar situation, written in German"
    )
    expect(german).to_contain_text("another consulate")
    expect(german).to_contain_text("topics: tibet, culture")
    expect(german).to_contain_text("response: declined")
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    # The report it names opens; the similar page works without the panel too.
    german.get_by_role("link", name=munich.title).click()
    page.wait_for_url(re.compile(rf"/cases/{munich.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(munich.title)
    page.goto(f"/cases/{lyon.pk}/similar/")
    expect(page.locator(".similar__item").first).to_contain_text(
        re.compile(f"{re.escape(munich.title)}|{re.escape(gothenburg.title)}")
    )
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


def test_a_colleague_without_the_red_report_never_sees_it(demo):
    julien = Actor.from_user(User.objects.get(username="julien.moreau"))
    found = [r.id for r in case_similar_list(actor=julien, case=demo["lyon"], k=10)]
    assert demo["munich"].pk in found
    assert demo["gothenburg"].pk not in found
