"""The registry's faceted search: filters, disjunctive facet counts, text search, access."""

from collections import Counter

import pytest
from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import Cast, Coalesce, Lower
from django.http import QueryDict

from tests import factories
from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.core.versioning import bump
from twinwise.directory.models import Counterpart
from twinwise.partnerships.facets import FACETS, SORTS, Filters, get_index
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


# -- the engine against plain SQL -----------------------------------------------------------
#
# The in-memory engine (facets.RegistryIndex) is checked against the straightforward ORM
# query for the same question: every total, the page's ids in order and every facet count.


@pytest.fixture
def richer_world(world):
    """The small world plus rows the engine must not get wrong: organisation counterparts,
    several domains per tie, non-public levels, more decades and statuses."""
    p = world["places"]
    cpaffc = Counterpart.objects.create(
        name="CPAFFC", kind="friendship-association", country=p["beijing"].country
    )
    consulate = Counterpart.objects.create(
        name="Consulate of Taiwan", kind="consulate", country=p["taipei"].country
    )
    extra = [
        {
            "local": p["lyon"],
            "counterpart_org": cpaffc,
            "counterpart_kind": "friendship-association",
            "kind": "friendship-city",
            "signed_on": "2012",
            "domains": ["culture", "tourism", "academic"],
        },
        {
            "local": p["boston"],
            "counterpart_org": cpaffc,
            "counterpart_kind": "friendship-association",
            "kind": "other",
            "status": "dormant",
        },
        {
            "local": p["vancouver"],
            "counterpart_org": consulate,
            "counterpart_kind": "consulate",
            "kind": "cooperation-agreement",
            "status": "suspended",
            "signed_on": "1999-04-01",
            "domains": ["investment-trade", "other"],
        },
        {
            "local": p["berlin"],
            "counterpart": p["wuhan"],
            "kind": "sister-city",
            "status": "proposed",
            "signed_on": "2021",
            "domains": ["climate", "health", "science-technology"],
        },
        {
            "local": p["gothenburg"],
            "counterpart": p["beijing"],
            "kind": "project-agreement",
            "signed_on": "1988-02",
            "domains": ["culture", "academic"],
        },
        {"local": p["prague"], "counterpart": p["wuhan"], "tlp": "green", "domains": ["culture"]},
        {
            "local": p["boston"],
            "counterpart": p["shanghai"],
            "tlp": "amber",
            "status": "active",
            "signed_on": "2001",
        },
        {"local": p["recife"], "counterpart": p["taipei"], "tlp": "red", "kind": "other"},
        {
            "local": p["osaka"],
            "counterpart": p["lyon"],
            "signed_on": "2005",
            "domains": ["tourism"],
        },  # no Chinese side
    ]
    for i, row in enumerate(extra):
        year = row.get("signed_on", "")[:4]
        Partnership.objects.create(
            external_id=f"extra-{i}",
            signed_year=int(year) if year else None,
            **{"kind": "sister-city", **row},
        )
    bump("partnerships")
    return world


def _sql_rows(levels, scope):
    """Every row `levels` may see in `scope`, with each facet's value: plain ORM annotations."""
    qs = Partnership.objects.filter(tlp__in=levels).annotate(
        f_side=Coalesce("counterpart__country__china_side", "counterpart_org__country__china_side"),
        f_province=Coalesce("counterpart__province", Value("")),
        f_country=F("local__country_id"),
        f_region=F("local__country__region"),
        f_decade=Case(
            When(signed_year__isnull=True, then=Value("unknown")),
            default=Cast(F("signed_year") / 10 * 10, CharField()),
        ),
        f_cp_name=Lower(Coalesce("counterpart__name", "counterpart_org__name")),
        f_local_name=Lower("local__name"),
    )
    return qs.exclude(f_side="") if scope == "china" else qs


def _sql_filter(qs, facet, values):
    match facet:
        case "side":
            return qs.filter(f_side__in=["" if v == "none" else v for v in values])
        case "counterpart":
            return qs.filter(counterpart_id__in=values)
        case "status":
            return qs.filter(status__in=["" if v == "reported" else v for v in values])
        case "domain":  # JSON lists: SQLite has no `contains` lookup for them
            hits = [pk for pk, ds in qs.values_list("pk", "domains") if set(ds) & set(values)]
            return qs.filter(pk__in=hits)
        case "kind":
            return qs.filter(kind__in=values)
    return qs.filter(**{f"f_{facet}__in": values})


def _sql_counts(qs, facet):
    if facet == "domain":
        counts = Counter(d for ds in qs.values_list("domains", flat=True) for d in set(ds))
        return dict(counts)
    column = {"counterpart": "counterpart_id", "kind": "kind", "status": "status"}.get(
        facet, f"f_{facet}"
    )
    if facet == "counterpart":
        qs = qs.exclude(f_side="").filter(counterpart__isnull=False)
    rows = qs.values(column).annotate(n=Count("id")).values_list(column, "n")
    rename = {"side": {"": "none"}, "status": {"": "reported"}}.get(facet, {})
    return {str(rename.get(v, v)): n for v, n in rows if n and (v != "" or rename)}


SQL_ORDER = {
    "counterpart": ("f_cp_name", "f_local_name", "id"),
    "local": ("f_local_name", "f_cp_name", "id"),
    "signed": ("-signed_on", "f_cp_name", "id"),
}


def _sql_answer(filters: dict, levels, scope, sort):
    base = _sql_rows(levels, scope)
    full = base
    for facet, values in filters.items():
        full = _sql_filter(full, facet, values)
    facet_counts = {}
    for facet in FACETS:
        sub = base
        for other, values in filters.items():
            if other != facet:
                sub = _sql_filter(sub, other, values)
        facet_counts[facet] = _sql_counts(sub, facet)
    return (
        full.count(),
        list(full.order_by(*SQL_ORDER[sort]).values_list("id", flat=True)),
        facet_counts,
    )


MIXES = [
    {},
    {"kind": ("sister-city",)},
    {"kind": ("sister-city", "friendship-city"), "status": ("reported", "ended")},
    {"domain": ("culture",)},
    {"domain": ("academic", "tourism"), "decade": ("2010", "1980")},
    {"side": ("taiwan",)},
    {"side": ("mainland", "taiwan"), "region": ("europe",)},
    {"counterpart": ("beijing", "wuhan")},
    {"province": ("Hubei", "Beijing"), "country": ("DE", "SE")},
    {"region": ("north-america",), "status": ("dormant", "suspended", "active")},
    {"decade": ("unknown",), "domain": ("other", "health")},
    {"country": ("CZ",), "kind": ("sister-city",), "status": ("active",), "decade": ("2020",)},
    {"status": ("proposed",), "domain": ("climate",), "counterpart": ("wuhan",)},
]


@pytest.mark.parametrize("levels", [frozenset({"clear"}), frozenset({"clear", "green", "amber"})])
@pytest.mark.parametrize("scope", ["china", "all"])
def test_engine_agrees_with_plain_sql(richer_world, levels, scope):
    places = richer_world["places"]
    index = get_index()
    for i, mix in enumerate(MIXES):
        sort = SORTS[i % len(SORTS)]
        mix = {
            k: tuple(places[v].pk for v in vs) if k == "counterpart" else vs
            for k, vs in mix.items()
        }
        result = index.search(Filters(scope=scope, **mix), levels, sort=sort, offset=0, limit=100)
        total, ids, facet_counts = _sql_answer(mix, levels, scope, sort)
        assert (result.total, result.ids) == (total, ids), (mix, sort)
        engine_counts = {f: {v: c for v, c in pairs if c} for f, pairs in result.facets.items()}
        assert engine_counts == facet_counts, mix


def test_facet_counts_are_cached_per_filter_set_and_bounded(world, monkeypatch):
    from twinwise.partnerships import facets

    first = search("kind=sister-city")
    again = search("kind=sister-city&page=1&sort=local")
    assert first.facets == again.facets
    monkeypatch.setattr(facets, "FACET_CACHE_SIZE", 2)
    for decade in ("1970", "1980", "1990", "2000"):
        search(f"decade={decade}")
    assert len(facets.get_index()._facet_cache) == 2
