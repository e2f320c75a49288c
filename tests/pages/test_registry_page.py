"""The registry page: one URL for the page and its htmx fragment, facets, chips, errors."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTRY = "/registry/"


def options(response, facet):
    return {
        o.value: o
        for g in response.context["groups"]
        if g.facet == facet
        for o in (*g.options, *g.more)
    }


def test_front_page_and_registry_render_the_whole_page(client, pages_world):
    for url in ("/", REGISTRY):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" in html and 'id="registry-results"' in html
        assert "10 partnerships" in html  # ties with a Chinese side, TLP:CLEAR only
        assert 'lang="zh"' in html and "北京" in html


def test_htmx_request_gets_only_the_fragment_and_a_canonical_address(client, pages_world, htmx):
    response = client.get(REGISTRY, {"q": "", "scope": "china", "kind": "sister-city"}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html
    assert html.lstrip().startswith('<div id="registry-results"')
    assert response["HX-Push-Url"] == "/registry/?kind=sister-city"
    assert "HX-Request" in response["Vary"]


def test_hidden_records_are_neither_listed_nor_counted(client, pages_world):
    response = client.get(REGISTRY, {"q": "Lyon"})
    assert response.context["page"].total == 1  # Lyon–Beijing; Lyon–Wuhan is TLP:AMBER
    assert "Wuhan" not in "".join(r.partnership.counterpart_name for r in response.context["rows"])


@pytest.mark.parametrize(
    "facet", ["kind", "status", "country", "region", "side", "counterpart", "decade"]
)
def test_each_facet_count_equals_the_list_it_opens(client, pages_world, facet):
    shown = options(client.get(REGISTRY), facet)
    assert shown, f"no values for {facet}"
    for value, option in shown.items():
        page = client.get(REGISTRY, {facet: value}).context["page"]
        assert page.total == option.count, (facet, value)


def test_reported_is_a_status_value_and_never_shown_as_active(client, pages_world):
    statuses = options(client.get(REGISTRY), "status")
    assert statuses["reported"].label.startswith("Reported")
    html = client.get(REGISTRY, {"status": "reported"}).content.decode()
    assert "tag--reported" in html and "tag--active" not in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "bogus"}, "kind"),
        ({"page": "abc"}, "page"),
        ({"country": "ZZZ"}, "country"),
        ({"sort": "x"}, "sort"),
    ],
)
def test_invalid_parameters_answer_400_naming_the_parameter(client, pages_world, params, field):
    response = client.get(REGISTRY, params)
    assert response.status_code == 400
    assert f"<code>{field}</code>" in response.content.decode()


def test_chips_remove_one_filter_each(client, pages_world):
    response = client.get(REGISTRY, {"kind": "sister-city", "country": "CZ", "q": "prag"})
    chips = {c.label: c.remove_url for c in response.context["chips"]}
    assert chips["Kind of partnership: Sister city"] == "/registry/?q=prag&country=CZ"
    assert chips["Country of the partner: Czechia"] == "/registry/?q=prag&kind=sister-city"
    # Facets always come in the same order, whatever order the address had.
    assert chips["Name: prag"] == "/registry/?country=CZ&kind=sister-city"
    assert 'href="/registry/"' in response.content.decode()  # clear all


def test_empty_state_offers_a_way_out(client, pages_world):
    html = client.get(REGISTRY, {"q": "Atlantis"}).content.decode()
    assert "No partnerships match" in html
    assert "scope=all" in html and "start again" in html


def test_pages_link_forwards_and_back(client, pages_world, settings):
    settings.REGISTRY_PAGE_SIZE = 3
    first = client.get(REGISTRY, {"sort": "local"}).context
    assert first["pager"].next_url == "/registry/?sort=local&page=2"
    assert first["pager"].previous_url == ""
    second = client.get(first["pager"].next_url)
    assert "page 2 of 4" in second.content.decode()
    beyond = client.get(REGISTRY, {"page": "9"})
    assert "There is no page 9" in beyond.content.decode()


def test_registry_query_count_is_bounded(client, pages_world, django_assert_max_num_queries):
    client.get(REGISTRY)  # build the in-memory index once
    with django_assert_max_num_queries(6):
        client.get(REGISTRY, {"country": "CZ", "kind": "sister-city", "q": "pr"})


def test_pages_have_no_inline_script_or_style(client, pages_world):
    """The Content Security Policy forbids inline script and style: keep pages clean of them."""
    for url in (
        "/registry/",
        reverse("partnerships:detail", args=[pages_world["ties"]["prague_beijing"].pk]),
    ):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<style" not in html
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
