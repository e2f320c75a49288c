"""Reads of the registry. Every read goes through the access policy."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import get_for, visible
from twinwise.access.rules import partnership_levels
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Country, Place
from twinwise.directory.selectors import place_ids_matching

from . import facets
from .models import Partnership, PartnershipSource

LIST_PARAMS = ("q", "scope", "sort", "page", *facets.FACETS)
MAX_PAGE = 100_000


@dataclass(frozen=True)
class RegistryQuery:
    """What the person asked for, validated: text, scope, facet values, sort and page."""

    q: str = ""
    scope: str = "china"
    sort: str = "counterpart"
    page: int = 1
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.values.get(facet, ())

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or any(self.values.values()))


def _allowed_values(facet: str) -> frozenset[str] | None:
    """The closed vocabularies; None for facets whose values come from the data."""
    match facet:
        case "side":
            return frozenset(facets.SIDES)
        case "region":
            return frozenset(facets.REGIONS)
        case "kind":
            return frozenset(taxonomy.ids("partnership_kinds"))
        case "status":
            return frozenset((facets.REPORTED, *taxonomy.ids("partnership_statuses")))
        case "domain":
            return frozenset(taxonomy.ids("partnership_domains"))
    return None


def _check_value(facet: str, value: str) -> str:
    allowed = _allowed_values(facet)
    if allowed is not None and value not in allowed:
        raise UserFacingError(
            _("%(value)r is not a known value; use one of: %(allowed)s")
            % {"value": value, "allowed": ", ".join(sorted(allowed))},
            field=facet,
        )
    if facet == "counterpart" and not (value.isascii() and value.isdigit()):
        raise UserFacingError(
            _("%(value)r is not a place id (a whole number)") % {"value": value}, field=facet
        )
    if facet == "country" and not (len(value) == 2 and value.isalpha()):
        raise UserFacingError(
            _("%(value)r is not a two-letter country code") % {"value": value}, field=facet
        )
    if facet == "decade" and not (
        value == facets.UNKNOWN_DECADE
        or (value.isascii() and value.isdigit() and len(value) == 4 and value.endswith("0"))
    ):
        raise UserFacingError(
            _("%(value)r is not a decade like 1990 (or 'unknown')") % {"value": value}, field=facet
        )
    return value.upper() if facet == "country" else value


def parse_registry_query(params, *, strict: bool = True) -> RegistryQuery:
    """Validate query parameters (a QueryDict or a dict of lists).

    `strict` (the API) also rejects parameters the registry does not know, so a typo is not
    silently ignored. Raises UserFacingError naming the parameter.
    """
    getlist = params.getlist if hasattr(params, "getlist") else (lambda k: list(params.get(k, [])))
    if strict:
        unknown = sorted(set(params.keys()) - set(LIST_PARAMS) - {"page_size", "format"})
        if unknown:
            raise UserFacingError(
                _("unknown parameter; the registry accepts: %(known)s")
                % {"known": ", ".join(LIST_PARAMS)},
                field=unknown[0],
            )
    values: dict[str, tuple[str, ...]] = {}
    for facet in facets.FACETS:
        raw = [v.strip() for item in getlist(facet) for v in item.split(",") if v.strip()]
        values[facet] = tuple(dict.fromkeys(_check_value(facet, v) for v in raw))
    q = " ".join(" ".join(getlist("q")).split())[:200]
    scope = (getlist("scope") or ["china"])[-1] or "china"
    if scope not in ("china", "all"):
        raise UserFacingError(_("use 'china' or 'all'"), field="scope")
    sort = (getlist("sort") or ["counterpart"])[-1] or "counterpart"
    if sort not in facets.SORTS:
        raise UserFacingError(
            _("use one of: %(sorts)s") % {"sorts": ", ".join(facets.SORTS)}, field="sort"
        )
    page_raw = (getlist("page") or ["1"])[-1] or "1"
    if not (page_raw.isascii() and page_raw.isdigit()) or not 1 <= int(page_raw) <= MAX_PAGE:
        raise UserFacingError(
            _("the page must be a whole number from 1 to %(max)s") % {"max": MAX_PAGE}, field="page"
        )
    return RegistryQuery(q=q, scope=scope, sort=sort, page=int(page_raw), values=values)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class RegistryPage:
    query: RegistryQuery
    total: int
    page: int
    page_size: int
    rows: list[Partnership]
    facets: dict[str, list[FacetValue]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.page_size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.page_size)


COUNTERPART_FACET_LIMIT = 25


def partnership_search(
    *, actor: Actor, query: RegistryQuery, page_size: int | None = None, with_facets: bool = True
) -> RegistryPage:
    """One page of partnerships `actor` may see, with disjunctive facet counts.

    Rule: only records the access policy lets `actor` see are counted or listed.
    """
    page_size = page_size or settings.REGISTRY_PAGE_SIZE
    index = facets.get_index()
    q_place_ids = q_countries = None
    if query.q:
        q_place_ids, q_countries = place_ids_matching(query.q)
    v = query.values
    engine_filters = facets.Filters(
        q_place_ids=tuple(q_place_ids) if q_place_ids is not None else None,
        q_country_codes=tuple(q_countries or ()),
        scope=query.scope,
        side=v.get("side", ()),
        counterpart=tuple(int(x) for x in v.get("counterpart", ())),
        province=v.get("province", ()),
        country=v.get("country", ()),
        region=v.get("region", ()),
        kind=v.get("kind", ()),
        status=v.get("status", ()),
        domain=v.get("domain", ()),
        decade=v.get("decade", ()),
    )
    result = index.search(
        engine_filters,
        partnership_levels(actor),
        sort=query.sort,
        offset=(query.page - 1) * page_size,
        limit=page_size,
        facets=with_facets,
    )
    rows = _rows_in_order(actor, result.ids)
    return RegistryPage(
        query=query,
        total=result.total,
        page=query.page,
        page_size=page_size,
        rows=rows,
        facets=_label_facets(result.facets, query) if with_facets else {},
    )


def _rows_in_order(actor: Actor, ids: list[int]) -> list[Partnership]:
    qs = visible(actor, Partnership.objects.all()).filter(pk__in=ids)
    by_id = {p.pk: p for p in qs.select_related("local__country", "counterpart__country")}
    return [by_id[i] for i in ids if i in by_id]


def _label_facets(
    raw: dict[str, list[tuple[str, int]]], query: RegistryQuery
) -> dict[str, list[FacetValue]]:
    labels = _facet_labels(raw)
    out: dict[str, list[FacetValue]] = {}
    for facet, pairs in raw.items():
        selected = set(query.selected(facet))
        values = [
            FacetValue(value, labels.get((facet, value), value), count, value in selected)
            for value, count in pairs
            if count or value in selected
        ]
        for value in selected - {fv.value for fv in values}:
            values.append(FacetValue(value, labels.get((facet, value), value), 0, True))
        if facet in ("counterpart", "country", "province"):
            values.sort(key=lambda fv: (not fv.selected, -fv.count, fv.label))
            if facet == "counterpart":
                values = values[:COUNTERPART_FACET_LIMIT] + [
                    fv for fv in values[COUNTERPART_FACET_LIMIT:] if fv.selected
                ]
        elif facet == "decade":
            values.sort(key=lambda fv: (fv.value == facets.UNKNOWN_DECADE, fv.value))
        out[facet] = values
    return out


def _facet_labels(raw: dict[str, list[tuple[str, int]]]) -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = {}
    counterpart_ids = [v for v, _c in sorted(raw.get("counterpart", []), key=lambda p: -p[1])[:200]]
    names = _place_and_country_names(counterpart_ids)
    for value in counterpart_ids:
        if value in names["counterpart"]:
            labels[("counterpart", value)] = names["counterpart"][value]
    for value, _c in raw.get("country", []):
        if value in names["country"]:
            labels[("country", value)] = names["country"][value]
    side_labels = {
        "mainland": _("Mainland China (PRC)"),
        "sar": _("Hong Kong and Macau"),
        "taiwan": _("Taiwan"),
        "none": _("No Chinese side"),
    }
    for value, label in side_labels.items():
        labels[("side", value)] = label
    for value, label in taxonomy.choices("partnership_kinds"):
        labels[("kind", value)] = _(label)
    for value, label in taxonomy.choices("partnership_statuses"):
        labels[("status", value)] = _(label)
    labels[("status", facets.REPORTED)] = _("Reported (status not documented)")
    for value, label in taxonomy.choices("partnership_domains"):
        labels[("domain", value)] = _(label)
    from twinwise.directory.models import Region

    for value, label in Region.choices:
        labels[("region", value)] = str(label)
    for value, _c in raw.get("decade", []):
        labels[("decade", value)] = _("Unknown") if value == facets.UNKNOWN_DECADE else f"{value}s"
    return labels


def _place_and_country_names(counterpart_ids: list[str]) -> dict[str, dict[str, str]]:
    """Labels of counterpart places and countries, cached with the registry snapshot.

    Why: building them per request meant ~450 model instances (~10 ms at 1M rows). The
    cache lives in the snapshot's `memo`, so it is dropped when the partnerships data
    version moves; a counterpart is looked up once, the first time a facet lists it.
    """
    memo = facets.latest_index().memo
    names = memo.get("labels")
    if names is None:
        countries = dict(Country.objects.values_list("iso2", "name"))
        names = memo.setdefault("labels", {"counterpart": {}, "country": countries})
    known = names["counterpart"]
    missing = [int(v) for v in counterpart_ids if v not in known]
    for pk, name, names_zh in Place.objects.filter(pk__in=missing).values_list(
        "pk", "name", "names_zh"
    ):
        zh = names_zh.split("|", 1)[0] if names_zh else ""  # as Place.name_zh
        known[str(pk)] = f"{name} {zh}" if zh else name
    for pk in missing:
        known.setdefault(str(pk), str(pk))  # no such place: the id, and no query next time
    return names


def partnership_get(*, actor: Actor, pk: int) -> Partnership:
    """One partnership, or 404 when `actor` may not see it."""
    return get_for(
        actor,
        Partnership.objects.select_related(
            "local__country", "counterpart__country", "counterpart_org"
        ),
        pk=pk,
    )


def partnership_sources(*, actor: Actor, partnership: Partnership) -> QuerySet[PartnershipSource]:
    """The provenance of a partnership (inherits its visibility)."""
    return visible(actor, PartnershipSource.objects.filter(partnership=partnership))


def partnerships_of_place(*, actor: Actor, place: Place) -> QuerySet[Partnership]:
    """Every visible tie of a place, in either direction."""
    return (
        visible(actor, Partnership.objects.all())
        .filter(Q(local=place) | Q(counterpart=place))
        .select_related("local__country", "counterpart__country")
        .order_by("signed_year", "local__name", "counterpart__name")
    )


def partnerships_export(*, actor: Actor) -> QuerySet[Partnership]:
    """Everything `actor` may see, for the open-data export, with sources prefetched."""
    return (
        visible(actor, Partnership.objects.all())
        .select_related("local__country", "counterpart__country", "counterpart_org")
        .prefetch_related("sources")
        .order_by("id")
    )


def ended_partnerships(*, actor: Actor, china_only: bool = True) -> QuerySet[Partnership]:
    """Ended ties, oldest ending first, with their visible sources prefetched: the timeline."""
    qs = (
        visible(actor, Partnership.objects.filter(status="ended"))
        .select_related("local__country", "counterpart__country")
        .prefetch_related(
            Prefetch("sources", queryset=visible(actor, PartnershipSource.objects.all()))
        )
    )
    if china_only:
        qs = qs.exclude(counterpart__country__china_side="")
    return qs.order_by("ended_on", "local__name")


def partnerships_by_local_country(*, actor: Actor, china_only: bool = True) -> list[dict]:
    """Counts per local country (for the choropleth), from visible records only."""
    qs = visible(actor, Partnership.objects.all())
    if china_only:
        qs = qs.exclude(counterpart__country__china_side="")
    return list(
        qs.values(
            "local__country_id",
            "local__country__name",
            "local__country__iso_numeric",
            "local__country__region",
        )
        .annotate(partnerships=Count("id"))
        .order_by("-partnerships")
    )


def partnership_counts_by_counterpart(
    *, actor: Actor, counterparts, kinds, regions, exclude_statuses=()
) -> dict:
    """Visible ties of the given counterparts, with the partner in `regions`: totals and per counterpart."""
    qs = (
        visible(actor, Partnership.objects.all())
        .filter(counterpart__in=counterparts, kind__in=kinds, local__country__region__in=regions)
        .exclude(status__in=exclude_statuses)
    )
    per_counterpart = {
        row["counterpart_id"]: row
        for row in qs.values("counterpart_id").annotate(
            partnerships=Count("id"), countries=Count("local__country_id", distinct=True)
        )
    }
    return {
        "partnerships": qs.count(),
        "countries": qs.values("local__country_id").distinct().count(),
        "per_counterpart": per_counterpart,
    }
