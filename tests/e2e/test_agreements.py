"""The agreement checker in a browser: an officer uploads a German draft MoU, sees the §
committing the city to the one-China policy flagged high and the § on termination flagged,
saves the review, uploads the revised draft and sees what was resolved, what remains and
what is new. Then axe-core on each page."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.agreements.documents import SAMPLES, docx_of, sample
from tests.e2e import exchange_world
from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.exchange_world import sign_in
from twinwise.agreements.models import AgreementReview

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("favicon_aborts_forgiven")]
exchange = exchange_world.exchange
favicon_aborts_forgiven = exchange_world.favicon_aborts_forgiven
# Set TWINWISE_SCREENSHOTS=/some/dir to keep a screenshot of each page (for reviewing looks).
SHOTS = os.environ.get("TWINWISE_SCREENSHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def expect_axe_clean(page) -> None:
    violations = run_axe(page)
    assert not violations, f"axe-core on {page.url}:\n{describe_violations(violations)}"


def clause(page, ref: str):
    return page.locator("li.clause").filter(has=page.locator(".clause__ref", has_text=ref))


def test_upload_findings_save_and_compare_drafts(page, exchange, tmp_path):
    first = tmp_path / "mou-haicheng.docx"
    first.write_bytes(docx_of(sample("mou-de-entwurf-1.txt")))
    sign_in(page, exchange["max"])
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Agreement checker"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check an agreement before it is signed"
    )
    expect_axe_clean(page)

    page.get_by_label("Upload the agreement").set_input_files(str(first))
    page.get_by_role("button", name="Check the agreement").click()
    one_china = clause(page, "§ 1")
    expect(one_china.locator("mark.evidence--high")).to_contain_text("Ein-China-Politik")
    expect(one_china.locator(".finding--high")).to_contain_text("Political recognition")
    expect(one_china.locator(".finding--high")).to_contain_text("Safer wording")
    expect(clause(page, "§ 7").locator(".finding")).to_contain_text("Termination lock-in")
    for ordinary in ("§ 2", "§ 3", "§ 4"):
        expect(clause(page, ordinary).locator(".finding")).to_have_count(0)
    expect(page.locator(".severity-count--high strong")).to_have_text("3")
    shot(page, "agreements-check")
    expect_axe_clean(page)

    # The severity filter hides the high findings and the clauses that only have those.
    page.get_by_role("group", name="Show findings of severity").get_by_label("high").uncheck()
    expect(one_china).to_be_hidden()
    expect(clause(page, "§ 7")).to_be_visible()
    page.get_by_role("group", name="Show findings of severity").get_by_label("high").check()
    expect(one_china).to_be_visible()

    page.get_by_label("Title").fill("MoU Lindenau–Haicheng")
    page.get_by_label("TLP:AMBER+STRICT", exact=False).check()
    page.get_by_role("button", name="Save the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("MoU Lindenau–Haicheng")
    expect(page.get_by_text("The review is saved.")).to_be_visible()
    shot(page, "agreements-detail")
    expect_axe_clean(page)

    page.get_by_label("Upload the agreement").set_input_files(str(SAMPLES / "mou-de-entwurf-2.txt"))
    page.get_by_role("button", name="Check and compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft 1 compared with draft 2")
    resolved = page.locator("section.compare-group").filter(
        has=page.get_by_role("heading", name="Resolved")
    )
    expect(resolved.locator(".finding")).to_have_count(3)
    expect(resolved).to_contain_text("Political recognition")
    expect(resolved).to_contain_text("Termination lock-in")
    remaining = page.locator("section.compare-group").filter(
        has=page.get_by_role("heading", name="Remaining")
    )
    expect(remaining.locator(".finding")).to_have_count(1)
    new = page.locator("section.compare-group").filter(has=page.get_by_role("heading", name="New"))
    expect(new).to_contain_text("Financial obligations")
    shot(page, "agreements-compare")
    expect_axe_clean(page)

    review = AgreementReview.objects.get()
    assert review.tlp == "amber-strict" and review.drafts.count() == 2
    page.goto("/agreements/")
    expect(page.get_by_role("link", name="MoU Lindenau–Haicheng")).to_be_visible()
    shot(page, "agreements-list")
    expect_axe_clean(page)
