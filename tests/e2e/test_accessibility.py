"""axe-core finds nothing on the public pages, on a laptop and on a phone (UX.md principle 7)."""

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Page:
    name: str
    path: Any  # world -> address
    ready: str = "main h1"  # what must be drawn before the check (maps and charts are JS)


PAGES = [
    Page("registry", lambda w: "/registry/", "#results-heading"),
    Page(
        "registry-filtered",
        lambda w: f"/registry/?counterpart={w['places']['beijing'].pk}&q=Prague",
        "#registry-results .chip",
    ),
    Page("partnership", lambda w: f"/partnerships/{w['ties']['prague_beijing'].pk}/"),
    Page("place", lambda w: f"/places/{w['places']['beijing'].pk}/", "#place-map svg"),
    Page("figures", lambda w: "/figures/", "table.table--figures"),
    Page("insights", lambda w: "/insights/", "#country-map svg"),
    Page("open-data", lambda w: "/open-data/"),
]


@pytest.mark.parametrize("context", [DESKTOP, PHONE], ids=["1280x900", "390x844"], indirect=True)
@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_no_axe_violations(page, e2e_world, watcher, spec):
    page.goto(spec.path(e2e_world))
    expect(page.locator(spec.ready).first).to_be_attached()
    if spec.name == "insights":
        page.wait_for_function("Chart.getChart('chart-decade') && Chart.getChart('chart-kind')")
    violations = run_axe(page)
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"
    watcher.assert_clean()
