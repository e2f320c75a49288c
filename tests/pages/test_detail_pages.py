"""The partnership page, the place page and their 404s."""

import json
import re

import pytest
from django.urls import reverse

from tests import factories
from twinwise.partnerships.views import partial_date

pytestmark = pytest.mark.django_db


def detail(pk):
    return reverse("partnerships:detail", args=[pk])


def place_url(place):
    return reverse("directory:place", args=[place.pk])


def test_partnership_page_shows_status_dates_reason_sources_and_sharing(client, pages_world):
    tie = pages_world["ties"]["prague_beijing"]
    response = client.get(detail(tie.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "TLP:CLEAR" in html and "Everyone may see it" in html
    assert "tag--ended" in html and "9 October 2019" in html and "One-China clause" in html
    assert "Where this information comes from" in html
    assert "news.example.org (1)" in html and "news.example.org (2)" in html  # one event, two links
    assert "Wikidata, 2022 snapshot" in html
    assert tie.external_id in html and f"/api/v1/partnerships/{tie.pk}" in html
    assert (
        f'href="{place_url(tie.local)}"' in html and f'href="{place_url(tie.counterpart)}"' in html
    )


def test_reported_partnership_is_explained_not_called_active(client, pages_world):
    html = client.get(detail(pages_world["ties"]["boston_beijing"].pk)).content.decode()
    assert "Reported" in html and "no source says whether it is still in use" in html
    assert "tag--active" not in html


@pytest.mark.parametrize("pk", ["hidden", 999_999])
def test_unknown_or_invisible_partnership_is_404(client, pages_world, pk):
    pk = pages_world["ties"][pk].pk if pk == "hidden" else pk
    response = client.get(detail(pk))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_partnership_page_query_count_is_bounded(
    client, pages_world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get(detail(pages_world["ties"]["prague_beijing"].pk))


def test_chinese_place_page_lists_partners_and_maps_those_in_europe_and_north_america(
    client, pages_world
):
    beijing = pages_world["places"]["beijing"]
    response = client.get(place_url(beijing))
    html = response.content.decode()
    assert response.status_code == 200
    assert "北京" in html and "Wikidata Q956" in html and "18,960,744" in html
    data = json.loads(
        re.search(
            r'<script id="place-map-data" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    names = sorted(p["name"] for p in data["partners"])
    assert names == ["Berlin", "Boston", "Lyon", "Prague", "Vancouver"]
    assert len(response.context["ties_other"]) == 5 and html.count('class="tag tag--') == 5
    assert "/registry/?counterpart=" in html


def test_place_page_separates_chinese_ties_and_hides_invisible_ones(client, pages_world):
    prague = pages_world["places"]["prague"]
    response = client.get(place_url(prague))
    assert {r.other_name for r in response.context["ties_china"]} == {
        "Beijing",
        "Shanghai",
        "Taipei",
    }
    assert [r.other_name for r in response.context["ties_other"]] == ["Berlin"]
    assert response.context["map_data"] is None  # only Chinese places get the partner map
    lyon = client.get(place_url(pages_world["places"]["lyon"]))
    # Lyon–Wuhan is TLP:AMBER: invisible to visitors.
    assert [r.other_name for r in lyon.context["ties_china"]] == ["Beijing"]


def test_place_without_partnerships_has_an_empty_state(client, pages_world):
    lonely = factories.place("Lonely", "FR")
    html = client.get(place_url(lonely)).content.decode()
    assert "No partnerships recorded" in html


def test_unknown_place_is_404(client, pages_world):
    assert client.get(reverse("directory:place", args=[999_999])).status_code == 404


def test_place_page_query_count_is_bounded(client, pages_world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get(place_url(pages_world["places"]["beijing"]))


@pytest.mark.parametrize(
    ("value", "year", "shown"),
    [
        ("2016-03-29", None, "29 March 2016"),
        ("2016-03", None, "March 2016"),
        ("2016", None, "2016"),
        ("", 1994, "1994"),
        ("", None, ""),
    ],
)
def test_partial_dates_read_naturally(value, year, shown):
    assert partial_date(value, year) == shown
