"""The registry in a browser: filtering with htmx, shareable addresses, chips, search, keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import describe_violations, run_axe
from tests.e2e.conftest import DESKTOP

pytestmark = pytest.mark.e2e

ALL_CHINA_TIES = 10  # small_world: every tie but Berlin–Prague has a Chinese side
BEIJING_TIES = 5  # Prague, Berlin, Boston, Vancouver, Lyon
PRAGUE_TIES = 3  # Beijing, Shanghai, Taipei


def result_rows(page):
    return page.locator("#registry-results table.registry-table tbody tr")


def count_heading(page):
    return page.locator("#results-heading")


def beijing_checkbox(page):
    facet = page.get_by_role("group", name="Chinese city")
    return facet.get_by_role("checkbox", name=re.compile(r"^Beijing 北京"))


def expect_results(page, total: int) -> None:
    expect(count_heading(page)).to_have_text(f"{total} partnerships")
    expect(result_rows(page)).to_have_count(total)


def test_static_files_load(page, e2e_world, watcher):
    """The stylesheet, the font CSS and both scripts arrive and take effect."""
    loaded = []
    page.on("response", lambda r: loaded.append((r.url, r.status)) if "/static/" in r.url else None)
    page.goto("/registry/")
    page.wait_for_load_state("load")
    statics = {re.sub(r".*/static/", "", url): status for url, status in loaded}
    for asset in (
        "twinwise/site.css",
        "vendor/source-sans-3/source-sans-3.css",
        "vendor/htmx/htmx.min.js",
        "twinwise/site.js",
    ):
        assert statics.get(asset) == 200, f"{asset}: {statics.get(asset)} (all: {statics})"
    # site.css is applied (the skip link is moved off-screen) and both scripts ran.
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") in {
        "absolute",
        "fixed",
    }
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("document.documentElement.classList.contains('js')")
    watcher.assert_clean()


def test_filter_search_and_open_a_partnership(page, context, e2e_world, watcher):
    beijing = e2e_world["places"]["beijing"]
    prague_beijing = e2e_world["ties"]["prague_beijing"]

    page.goto("/registry/")
    expect_results(page, ALL_CHINA_TIES)
    page.evaluate("window.__marker = 1")

    # Ticking a Chinese city updates the list in place and pushes a shareable address.
    beijing_checkbox(page).check()
    page.wait_for_url(re.compile(rf"/registry/\?counterpart={beijing.pk}$"))
    expect_results(page, BEIJING_TIES)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of updated"
    expect(beijing_checkbox(page)).to_be_checked()
    shared = page.url
    # The replaced part is as accessible as a freshly loaded page (ids, labels, headings).
    violations = run_axe(page)
    assert not violations, describe_violations(violations)
    watcher.assert_clean()

    # The address opens the same list on its own.
    fresh = context.new_page()
    fresh.goto(shared)
    expect_results(fresh, BEIJING_TIES)
    expect(beijing_checkbox(fresh)).to_be_checked()
    assert sorted(result_rows(fresh).all_inner_texts()) == sorted(
        result_rows(page).all_inner_texts()
    )
    fresh.close()

    # The active filter is a chip; removing it brings the whole list back, still in place.
    chip = page.get_by_role("link", name=re.compile(r"^Remove filter: Chinese city: Beijing"))
    expect(chip).to_be_visible()
    chip.click()
    page.wait_for_url(re.compile(r"/registry/$"))
    expect_results(page, ALL_CHINA_TIES)
    expect(page.locator("#registry-results .chip")).to_have_count(0)
    expect(beijing_checkbox(page)).not_to_be_checked()
    assert page.evaluate("window.__marker") == 1

    # Typing a name (any spelling) narrows the list after a short pause, without a reload,
    # and one pause means one request, not one per keystroke.
    searches = []
    page.on("request", lambda r: searches.append(r.url) if r.headers.get("hx-request") else None)
    page.get_by_label("Search by place name").press_sequentially("Praha", delay=40)
    page.wait_for_url(re.compile(r"/registry/\?q=Praha$"))
    expect_results(page, PRAGUE_TIES)
    assert page.evaluate("window.__marker") == 1
    assert 1 <= len(searches) <= 2, f"not debounced: {searches}"
    for partner in ("Beijing", "Shanghai", "Taipei"):
        expect(result_rows(page).filter(has_text=partner)).to_have_count(1)
    watcher.assert_clean()

    # Open Prague–Beijing from the results.
    page.get_by_role("link", name="Prague – Beijing").click()
    page.wait_for_url(re.compile(rf"/partnerships/{prague_beijing.pk}/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Prague")
    expect(heading).to_contain_text("Beijing")
    expect(heading).to_contain_text("北京")
    status = page.locator(".summary__row", has=page.locator("dt", has_text="Status"))
    expect(status.locator(".tag")).to_have_text("Ended")
    expect(page.locator(".summary__row", has_text="Why it ended")).to_contain_text(
        "One-China clause"
    )
    sources = page.get_by_role("region", name="Where this information comes from")
    expect(sources.get_by_role("link", name=re.compile(r"^example\.org"))).to_have_attribute(
        "href", "https://example.org/prague"
    )
    expect(page.locator(".tlp")).to_have_text("TLP:CLEAR")

    # Back returns to the searched list (htmx pushed that address into the history).
    page.go_back()
    page.wait_for_url(re.compile(r"/registry/\?q=Praha$"))
    expect_results(page, PRAGUE_TIES)
    expect(page.get_by_label("Search by place name")).to_have_value("Praha")


def test_keyboard_skip_link_and_facet_with_space(page, e2e_world, watcher):
    beijing = e2e_world["places"]["beijing"]
    page.goto("/registry/")
    expect_results(page, ALL_CHINA_TIES)

    # The first Tab lands on the skip link, which is then visible, and it moves focus to main.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Tab on from main until the Beijing checkbox has focus, then toggle it with Space.
    target = f"f-counterpart-{beijing.pk}"
    for _press in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == target:
            break
    else:
        pytest.fail(f"Tab never reached #{target}")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(rf"\?counterpart={beijing.pk}$"))
    expect_results(page, BEIJING_TIES)
    # htmx put focus back on the same checkbox after replacing the filters.
    expect(page.locator(f"#{target}")).to_be_focused()
    expect(page.locator(f"#{target}")).to_be_checked()
    # The new count is announced in the live region outside the replaced part.
    expect(page.locator("#registry-status")).to_have_text(f"{BEIJING_TIES} partnerships")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"/registry/$"))
    expect_results(page, ALL_CHINA_TIES)
    watcher.assert_clean()


@pytest.mark.parametrize("context", [{**DESKTOP, "java_script_enabled": False}], indirect=True)
def test_filters_work_without_javascript(page, e2e_world):
    beijing = e2e_world["places"]["beijing"]
    page.goto("/registry/")
    beijing_checkbox(page).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(rf"counterpart={beijing.pk}"))
    expect_results(page, BEIJING_TIES)
    page.get_by_role("link", name=re.compile(r"^Remove filter: Chinese city: Beijing")).click()
    expect_results(page, ALL_CHINA_TIES)
