"""The other public pages in a browser: counterpart map, figures, insights, open data, API docs."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# small_world: Beijing's partners, all in Europe or North America and all with coordinates.
BEIJING_PARTNERS = {"Prague", "Berlin", "Boston", "Vancouver", "Lyon"}


def test_counterpart_page_maps_the_partners(page, e2e_world, watcher):
    beijing = e2e_world["places"]["beijing"]
    page.goto(f"/places/{beijing.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Beijing 北京")

    svg = page.locator("#place-map svg")
    expect(svg).to_be_visible()
    expect(svg).to_have_attribute("role", "img")
    expect(svg).to_have_attribute("aria-label", re.compile(r"Beijing and its 5 partners"))
    # The world's country outlines (110m atlas, without Antarctica) and one dot per partner.
    land = svg.locator(".map__land path")
    assert land.count() > 150, land.count()
    assert all(d for d in land.evaluate_all("ps => ps.map(p => p.getAttribute('d'))")), (
        "some country outline has no geometry"
    )
    dots = svg.locator(".map__partners circle")
    expect(dots).to_have_count(len(BEIJING_PARTNERS))
    titles = dots.locator("title").all_text_contents()
    assert {t.split(",")[0] for t in titles} == BEIJING_PARTNERS
    positions = dots.evaluate_all(
        "cs => cs.map(c => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"
    )
    assert len(set(map(tuple, positions))) == len(BEIJING_PARTNERS), positions
    assert all(0 <= x <= 960 and 0 <= y <= 520 for x, y in positions), positions
    expect(svg.locator(".map__centre")).to_have_count(1)

    # The same partners without the map: the list under it and the table of partners.
    listed = page.locator("details.map-list li a").all_text_contents()
    assert set(listed) == BEIJING_PARTNERS
    table = page.get_by_role("table", name="Partnerships")
    names = table.locator("tbody th[scope=row] a").all_text_contents()
    assert set(names) == BEIJING_PARTNERS
    expect(page.get_by_role("heading", name="5 partners")).to_be_visible()
    watcher.assert_clean()


def test_headline_figures_link_to_the_partnerships_they_count(page, e2e_world, watcher):
    page.goto("/figures/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("largest cities")
    gmf = page.locator(".compare__card").filter(has_text="Published by GMF in 2021")
    expect(gmf).to_contain_text("119")
    expect(gmf).to_contain_text("33")
    ours = page.locator(".compare__card--ours")
    expect(ours).to_contain_text(re.compile(r"2\s+partnerships\s+2\s+countries"))

    cities = page.get_by_role("table", name="Partnerships of each of the largest Chinese cities")
    beijing = cities.locator("tbody tr").filter(has=page.get_by_role("link", name="Beijing"))
    expect(beijing).to_contain_text("北京")
    # Berlin and Vancouver: sister cities in Europe / North America that have not ended.
    number = beijing.locator("td.num a")
    expect(number).to_contain_text("2")
    number.click()
    page.wait_for_url(re.compile(r"/registry/\?"))
    expect(page.locator("#results-heading")).to_have_text("2 partnerships")
    rows = page.locator("table.registry-table tbody tr")
    expect(rows).to_have_count(2)
    for partner in ("Berlin", "Vancouver"):
        expect(
            rows.filter(has=page.get_by_role("link", name=f"{partner} – Beijing"))
        ).to_have_count(1)
    watcher.assert_clean()


def test_insights_map_charts_and_endings(page, e2e_world, watcher):
    page.goto("/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The registry in maps and charts")

    svg = page.locator("#country-map svg")
    expect(svg).to_be_visible()
    expect(svg).to_have_attribute("role", "img")
    shapes = svg.locator(".map__choropleth path")
    assert shapes.count() > 150, shapes.count()
    # Countries with partners are shaded (bin-1 and up), the rest are not, and the shading
    # is a real fill from the stylesheet (not the default black, not none).
    fills = shapes.evaluate_all(
        """ps => ps.map(p => ({cls: p.getAttribute("class"), fill: getComputedStyle(p).fill,
                               title: p.querySelector("title").textContent}))"""
    )
    shaded = [f for f in fills if f["cls"] != "bin-0"]
    assert {f["title"] for f in shaded} == {
        "Czechia: 3",
        "Germany: 1",
        "Sweden: 1",
        "United States: 1",
        "Canada: 1",
        "Brazil: 1",
        "Japan: 1",
        "France: 1",
    }, shaded
    unshaded_fill = next(f["fill"] for f in fills if f["cls"] == "bin-0")
    for f in shaded:
        assert f["fill"] not in {"none", "rgb(0, 0, 0)", unshaded_fill}, f
    expect(page.locator(".legend--bins li")).to_have_count(7)

    # Both bar charts are drawn by Chart.js on their canvases.
    for chart in ("chart-decade", "chart-kind"):
        canvas = page.locator(f"canvas#{chart}")
        expect(canvas).to_have_attribute("role", "img")
        page.wait_for_function(
            "id => window.Chart && Chart.getChart(document.getElementById(id))", arg=chart
        )
        size = canvas.bounding_box()
        assert size and size["width"] > 100 and size["height"] > 100, (chart, size)

    # The timeline of endings, oldest first, with Prague–Beijing and its reason and source.
    endings = page.locator("ol.timeline > li")
    expect(endings).to_have_count(3)
    titles = [t.strip() for t in endings.locator(".timeline__title").all_inner_texts()]
    assert titles == [
        "Prague – Beijing 北京",
        "Gothenburg – Shanghai 上海",
        "Prague – Shanghai 上海",
    ]
    first = endings.first
    expect(first.locator(".timeline__date")).to_have_text("9 October 2019")
    expect(first).to_contain_text("One-China clause")
    expect(first.get_by_role("link", name="example.org")).to_have_attribute(
        "href", "https://example.org/prague"
    )
    watcher.assert_clean()


def test_open_data_page(page, e2e_world, watcher):
    page.goto("/open-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data: download the registry")
    for name in ("partnerships.csv", "partnerships.jsonl", "twinwise-open-data.sqlite"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    facts = page.locator(".facts").first
    expect(facts).to_contain_text("11")  # every TLP:CLEAR partnership of the small world
    watcher.assert_clean()


def test_api_docs_load_swagger_from_our_own_static_files(page, e2e_world, watcher):
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto("/api/v1/docs")
    # Swagger UI fetched the schema and drew the operations.
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in scripts), scripts
    watcher.assert_clean()
