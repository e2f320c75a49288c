"""The registry's faceted search: filters, disjunctive facet counts, text search, access."""

import pytest
from django.http import QueryDict

from tests import factories
from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.partnerships.models import Partnership
from twinwise.partnerships.selectors import parse_registry_query, partnership_search

ANON = Actor.anonymous()


def search(qs: str = "", **kwargs):
    return partnership_search(actor=ANON, query=parse_registry_query(QueryDict(qs)), **kwargs)


def facet(page, name):
    return {fv.value: fv.count for fv in page.facets[name]}


def test_default_scope_lists_only_ties_with_a_chinese_side(world):
    page = search()
    assert page.total == 10  # berlin–prague has no Chinese side
    assert search("scope=all").total == 11


def test_facet_counts_equal_list_counts_for_every_value(world):
    page = search()
    for name, values in page.facets.items():
        for fv in values:
            filtered = search(f"{name}={fv.value}")
            assert filtered.total == fv.count, (name, fv.value)


def test_facet_counts_are_disjunctive_within_a_facet_and_conjunctive_across(world):
    page = search("kind=sister-city&status=ended")
    assert page.total == 3
    # kind counts ignore the kind filter but apply the status filter
    assert facet(page, "kind") == {"sister-city": 3}
    assert facet(page, "status")["ended"] == 3
    assert facet(page, "status")["reported"] == 4
    two = search("status=ended&status=active")
    assert two.total == 5


def test_text_search_finds_any_spelling_and_chinese_names(world):
    assert search("q=Praha").total == 3
    assert search("q=上海").total == 3
    assert search("q=peking").total == 5
    assert search("q=goteborg").total == 1
    assert search("q=Czechia").total == 3
    assert search("q=zzzz-nowhere").total == 0


def test_reported_status_and_decades(world):
    page = search()
    assert facet(page, "status")["reported"] == 5
    decades = facet(page, "decade")
    assert decades["1970"] == 1 and decades["unknown"] == 3
    assert search("decade=unknown").total == 3


def test_counterpart_and_province_and_side_facets(world):
    beijing = world["places"]["beijing"]
    page = search(f"counterpart={beijing.pk}")
    assert page.total == 5
    assert search("province=Hubei").total == 1
    assert search("side=taiwan").total == 1
    assert facet(search(), "side") == {"mainland": 9, "taiwan": 1}


def test_sorting_and_pagination(world):
    first = search("sort=local", page_size=4)
    assert [p.local.name for p in first.rows] == ["Berlin", "Boston", "Gothenburg", "Lyon"]
    second = partnership_search(
        actor=ANON, query=parse_registry_query(QueryDict("sort=local&page=2")), page_size=4
    )
    assert [p.local.name for p in second.rows][:1] == ["Osaka"]
    by_city = search("sort=counterpart")
    pairs = [(p.counterpart.name, p.local.name) for p in by_city.rows]
    assert pairs == sorted(pairs)
    assert pairs[:3] == [("Beijing", "Berlin"), ("Beijing", "Boston"), ("Beijing", "Lyon")]
    newest = search("sort=signed", page_size=2)
    assert [p.signed_on for p in newest.rows] == ["2020-01-13", "2017-05"]


def test_only_visible_records_are_counted_or_listed(world):
    hidden = factories.partnership(world["places"]["berlin"], world["places"]["wuhan"], tlp="amber")
    page = search()
    assert page.total == 10
    assert hidden.pk not in {p.pk for p in search("q=wuhan").rows}
    assert facet(page, "counterpart")[str(world["places"]["wuhan"].pk)] == 1


def test_index_notices_writes(world):
    assert search().total == 10
    Partnership.objects.filter(pk=world["ties"]["recife_wuhan"].pk).delete()
    factories.partnership(
        world["places"]["boston"], world["places"]["shanghai"]
    )  # bumps the version
    assert search().total == 10
    assert search("q=recife").total == 0


@pytest.mark.parametrize(
    ("qs", "field"),
    [
        ("kind=town", "kind"),
        ("status=alive", "status"),
        ("region=mars", "region"),
        ("counterpart=abc", "counterpart"),
        ("country=Czech", "country"),
        ("decade=1995", "decade"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("sort=random", "sort"),
        ("scope=world", "scope"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_name_the_field(qs, field):
    with pytest.raises(UserFacingError) as err:
        parse_registry_query(QueryDict(qs), strict=True)
    assert err.value.field == field


def test_lenient_parsing_ignores_unknown_parameters():
    assert parse_registry_query(QueryDict("utm_source=x"), strict=False).page == 1
