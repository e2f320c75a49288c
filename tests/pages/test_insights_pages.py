"""The headline figures page and the map-and-charts page."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def json_block(html, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_figures_page_sets_computed_figure_beside_gmf(client, pages_world):
    response = client.get("/figures/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "119" in html and "33" in html and "2021" in html  # GMF's published figure
    figure = response.context["figure"]
    # Sister cities of the largest Chinese cities with partners in Europe and North America,
    # ended ones left out: Berlin, Vancouver (Beijing). Boston is a friendship city, Lyon an MoU.
    assert figure["partnerships"] == 2
    assert "Why the numbers differ" in html and figure["method"][:40] in html


def test_figures_city_links_open_exactly_the_counted_partnerships(client, pages_world):
    cities = client.get("/figures/").context["cities"]
    for city in cities:
        if city.partnerships:
            assert client.get(city.registry_url).context["page"].total == city.partnerships


def test_figures_form_changes_the_question(client, pages_world):
    response = client.get(
        "/figures/",
        {
            "n": "3",
            "regions": ["europe", "north-america"],
            "kind": ["sister-city", "friendship-city"],
        },
    )
    assert response.status_code == 200
    assert response.context["query"].kinds == ("sister-city", "friendship-city")
    assert response.context["figure"]["partnerships"] == 3  # + Boston–Beijing
    assert "no longer count the same thing" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [({"n": "0"}, "n"), ({"regions": "mars"}, "regions"), ({"kind": "x"}, "kind")],
)
def test_figures_bad_parameters_answer_400(client, pages_world, params, field):
    response = client.get("/figures/", params)
    assert response.status_code == 400
    assert f'href="#field-{field}"' in response.content.decode()


def test_dashboard_has_map_charts_and_timeline_of_endings(client, pages_world):
    response = client.get("/insights/")
    html = response.content.decode()
    assert response.status_code == 200
    countries = {c["id"]: c["value"] for c in json_block(html, "country-map-data")["countries"]}
    assert countries["203"] == 3  # Czechia: Prague–Beijing, Prague–Shanghai, Prague–Taipei
    charts = json_block(html, "chart-data")
    assert sum(charts["kind"]["values"]) == 10
    assert "1970s" in charts["decade"]["labels"]
    timeline = [row.partnership.local.name for row in response.context["endings"]]
    assert timeline == ["Prague", "Gothenburg", "Prague"]  # oldest ending first
    assert "One-China clause" in html
    assert 'role="img"' in html and "Partnerships by country" in html
