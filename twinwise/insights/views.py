"""Public figures: the GMF-style headline figure, and the map and charts of the registry."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from twinwise.access.actors import actor_for
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Region
from twinwise.partnerships import facets
from twinwise.partnerships.selectors import (
    RegistryQuery,
    ended_partnerships,
    partnership_search,
    partnerships_by_local_country,
)
from twinwise.partnerships.views import group_sources, rows_for

from .selectors import GMF_PUBLISHED, HeadlineQuery, largest_counterparts, parse_headline_query

# Choropleth classes (partnerships per country): fixed, readable breaks rather than
# quantiles, so the legend reads the same from one year to the next.
MAP_BINS = (1, 5, 10, 25, 50, 100)


def figures(request: HttpRequest) -> HttpResponse:
    """The headline figure computed from the registry, next to GMF's published one."""
    params = request.GET
    try:
        query = parse_headline_query(
            params.get("n"), _joined(params, "regions"), _joined(params, "kind")
        )
    except UserFacingError as error:
        context = {"error": error, **form_context(HeadlineQuery())}
        return render(request, "insights/figures.html", context, status=400)
    figure = largest_counterparts(actor=actor_for(request), query=query)
    context = {"figure": figure, "cities": city_rows(figure, query), **form_context(query)}
    return render(request, "insights/figures.html", context)


def dashboard(request: HttpRequest) -> HttpResponse:
    """The map by country, charts by decade and kind, and the timeline of endings."""
    actor = actor_for(request)
    overview = partnership_search(actor=actor, query=RegistryQuery(), page_size=1)
    by_country = partnerships_by_local_country(actor=actor)
    context = {
        "overview": overview,
        "countries": by_country,
        "bins": legend_bins(),
        "map_data": {"bins": MAP_BINS, "countries": map_rows(by_country)},
        "charts": chart_data(overview),
        "endings": endings(actor),
    }
    return render(request, "insights/dashboard.html", context)


# -- headline figures ---------------------------------------------------------------------


def _joined(params, name: str) -> str | None:
    """Checkbox lists arrive as repeated parameters; the selector takes one comma list."""
    values = [v for item in params.getlist(name) for v in item.split(",") if v.strip()]
    return ",".join(values) if values else None


def form_context(query: HeadlineQuery) -> dict:
    return {
        "query": query,
        "region_labels": ", ".join(str(Region(r).label) for r in query.regions),
        "is_gmf_query": query == HeadlineQuery(),
        "gmf": GMF_PUBLISHED,
        "region_choices": [(r.value, r.label, r.value in query.regions) for r in Region],
        "kind_choices": [
            (k, _(label), k in query.kinds) for k, label in taxonomy.choices("partnership_kinds")
        ],
        "api_url": api_figure_url(query),
    }


def api_figure_url(query: HeadlineQuery) -> str:
    try:
        base = reverse("api:largest_counterparts")
    except NoReverseMatch:
        base = "/api/v1/insights/largest-counterparts"
    params = {"n": query.n, "regions": ",".join(query.regions), "kind": ",".join(query.kinds)}
    return f"{base}?{urlencode(params)}"


@dataclass
class CityRow:
    name: str
    name_zh: str
    population: int
    partnerships: int
    countries: int
    place_url: str
    registry_url: str


# The figure leaves ended ties out, so its registry links do too: the list a reader
# opens then has exactly as many rows as the number they clicked.
COUNTED_STATUSES = tuple(
    s for s in (facets.REPORTED, *taxonomy.ids("partnership_statuses")) if s != "ended"
)


def city_rows(figure: dict, query: HeadlineQuery) -> list[CityRow]:
    base = [("region", r) for r in query.regions] + [("kind", k) for k in query.kinds]
    base += [("status", s) for s in COUNTED_STATUSES]
    registry = reverse("partnerships:registry")
    return [
        CityRow(
            name=c["name"],
            name_zh=c["name_zh"],
            population=c["population"],
            partnerships=c["partnerships"],
            countries=c["countries"],
            place_url=reverse("directory:place", args=[c["id"]]),
            registry_url=f"{registry}?{urlencode([('counterpart', c['id']), *base])}",
        )
        for c in figure["counterparts"]
    ]


# -- map and charts -----------------------------------------------------------------------


def map_rows(by_country: list[dict]) -> list[dict]:
    return [
        {
            "id": f"{row['local__country__iso_numeric']:03d}",
            "name": row["local__country__name"],
            "value": row["partnerships"],
        }
        for row in by_country
        if row["local__country__iso_numeric"]
    ]


def legend_bins() -> list[str]:
    """'1–4', '5–9', …, '100+': the labels of the choropleth classes."""
    labels = []
    for low, high in zip(MAP_BINS, (*MAP_BINS[1:], None), strict=True):
        if high is None:
            labels.append(f"{low}+")
        else:
            labels.append(str(low) if high - 1 == low else f"{low}–{high - 1}")
    return labels


def chart_data(overview) -> dict:
    """Bars by decade signed (known dates only) and by kind, from the registry's facet counts."""
    decades = [fv for fv in overview.facets.get("decade", []) if fv.value != facets.UNKNOWN_DECADE]
    return {
        "decade": _series("decade", decades),
        "kind": _series("kind", overview.facets.get("kind", [])),
        "dated": sum(fv.count for fv in decades),
    }


def _series(facet: str, values) -> dict:
    registry = reverse("partnerships:registry")
    return {
        "labels": [fv.label for fv in values],
        "values": [fv.count for fv in values],
        # For the table under the chart: each number opens the partnerships it counts.
        "rows": [
            (fv.label, fv.count, f"{registry}?{urlencode({facet: fv.value})}") for fv in values
        ],
    }


def endings(actor) -> list:
    """Ended partnerships, oldest ending first, each with its documented sources."""
    rows = rows_for(ended_partnerships(actor=actor))
    for row in rows:
        # Sources were prefetched through the access policy by the selector.
        row.sources = group_sources(row.partnership.sources.all())
    return rows
