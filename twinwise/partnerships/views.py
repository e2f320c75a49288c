"""The public registry pages: the searchable list and one partnership.

Views parse, call a selector and render. The helpers below turn a RegistryPage into what
the template shows (facet groups, chips, pager). Every link they print is built from the
validated RegistryQuery, never by echoing raw request parameters back.
"""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinwise.access.actors import actor_for
from twinwise.core import taxonomy
from twinwise.core.dates import parse_partial_date
from twinwise.core.errors import UserFacingError
from twinwise.core.facet_ui import Chip, FacetGroup, Pager
from twinwise.core.facet_ui import facet_groups as shared_facet_groups
from twinwise.core.facet_ui import pager as shared_pager
from twinwise.core.htmx import is_htmx, render_page_or_fragment

from . import facets
from .models import Partnership, PartnershipSource
from .selectors import (
    RegistryPage,
    RegistryQuery,
    parse_registry_query,
    partnership_get,
    partnership_search,
    partnership_sources,
    partnerships_of_place,
)

REGISTRY_TEMPLATE = "partnerships/registry.html"
OTHER_TIES_SHOWN = 8


def registry(request: HttpRequest) -> HttpResponse:
    """The registry: filters with counts, results, chips, sort and pages (page or fragment)."""
    try:
        query = parse_registry_query(request.GET, strict=False)
    except UserFacingError as error:
        return _bad_registry_query(request, error)
    page = partnership_search(actor=actor_for(request), query=query)
    response = render_page_or_fragment(
        request, REGISTRY_TEMPLATE, "results", registry_context(page)
    )
    if is_htmx(request):
        # The address bar shows the short canonical address, not the raw form submission.
        response["HX-Push-Url"] = registry_url(query, page=query.page)
    return response


def _bad_registry_query(request: HttpRequest, error: UserFacingError) -> HttpResponse:
    context = {"error": error, "error_title": FACET_TITLES.get(error.field or "", error.field)}
    return render(request, "partnerships/registry_error.html", context, status=400)


def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One partnership with its provenance; 404 when it does not exist or is not visible."""
    actor = actor_for(request)
    partnership = partnership_get(actor=actor, pk=pk)
    context = detail_context(actor, partnership)
    return render(request, "partnerships/partnership_detail.html", context)


# -- the registry page --------------------------------------------------------------------

# Facets in the order a visitor scans them, each with a plain-language title and hint.
# Groups with no values (fields of cooperation before any source records them) are left
# out rather than shown empty.
FACET_GROUPS: tuple[tuple[str, str, str], ...] = (
    (
        "counterpart",
        gettext_lazy("Chinese city"),
        gettext_lazy("The 25 with the most partnerships."),
    ),
    ("province", gettext_lazy("Chinese province"), ""),
    ("side", gettext_lazy("Chinese side"), ""),
    ("country", gettext_lazy("Country of the partner"), ""),
    ("region", gettext_lazy("Region of the partner"), ""),
    ("kind", gettext_lazy("Kind of partnership"), ""),
    (
        "status",
        gettext_lazy("Status"),
        gettext_lazy(
            "“Reported” means a source lists the partnership but none says whether it is still in use."
        ),
    ),
    ("domain", gettext_lazy("Field of cooperation"), ""),
    ("decade", gettext_lazy("Signed in"), ""),
)
FACET_TITLES = {facet: str(title) for facet, title, _hint in FACET_GROUPS}
# Values beyond this many go behind a "Show all" disclosure so the filter column stays short.

SORT_CHOICES = (
    ("counterpart", gettext_lazy("Chinese city, A to Z")),
    ("local", gettext_lazy("Partner, A to Z")),
    ("signed", gettext_lazy("Date signed, newest first")),
)


def registry_url(query: RegistryQuery, *, page: int = 1, **values: tuple[str, ...]) -> str:
    """The registry address for `query`, with some facets replaced and a page number.

    Defaults are left out so the address a person bookmarks or shares stays short.
    """
    params: list[tuple[str, str]] = []
    if query.q:
        params.append(("q", query.q))
    if query.scope != "china":
        params.append(("scope", query.scope))
    if query.sort != "counterpart":
        params.append(("sort", query.sort))
    for facet in facets.FACETS:
        params.extend((facet, v) for v in values.get(facet, query.selected(facet)))
    if page > 1:
        params.append(("page", str(page)))
    base = reverse("partnerships:registry")
    return f"{base}?{urlencode(params)}" if params else base


def facet_groups(page: RegistryPage) -> list[FacetGroup]:
    return shared_facet_groups(page.facets, FACET_GROUPS)


def active_chips(page: RegistryPage) -> list[Chip]:
    """One removable chip per active filter, labelled with the filter and the value."""
    query = page.query
    chips = []
    if query.q:
        without_q = RegistryQuery(scope=query.scope, sort=query.sort, values=query.values)
        chips.append(Chip(_("Name: %(text)s") % {"text": query.q}, registry_url(without_q), True))
    if query.scope == "all":
        china = RegistryQuery(q=query.q, sort=query.sort, values=query.values)
        chips.append(
            Chip(_("Including partnerships without a Chinese side"), registry_url(china), True)
        )
    labels = {(f, fv.value): fv.label for f, values in page.facets.items() for fv in values}
    for facet in facets.FACETS:
        selected = query.selected(facet)
        for value in selected:
            rest = tuple(v for v in selected if v != value)
            label = f"{FACET_TITLES[facet]}: {labels.get((facet, value), value)}"
            chips.append(Chip(label, registry_url(query, **{facet: rest})))
    return chips


def pager(page: RegistryPage) -> Pager | None:
    return shared_pager(page.page, page.pages, lambda n: registry_url(page.query, page=n))


def registry_context(page: RegistryPage) -> dict:
    """Everything the registry template needs besides the page itself."""
    query = page.query
    return {
        "page": page,
        "query": query,
        "rows": rows_for(page.rows),
        "groups": facet_groups(page),
        "chips": active_chips(page),
        "pager": pager(page),
        "sort_choices": SORT_CHOICES,
        "clear_url": reverse("partnerships:registry"),
        "beyond_last_page": page.total and page.page > page.pages,
        "last_page_url": registry_url(query, page=page.pages),
        "all_scope_url": registry_url(RegistryQuery(q=query.q, scope="all", values=query.values)),
    }


# -- the partnership page -----------------------------------------------------------------

DATASET_LABELS = {
    "wikidata-2022": gettext_lazy("Wikidata, 2022 snapshot"),
    "wikidata-2017-eu": gettext_lazy("Wikidata, 2017 snapshot of EU cities"),
    "wikipedia-2026": gettext_lazy("Wikipedia lists of twin towns and sister cities, 2026"),
    "incidents": gettext_lazy("Documented events (press and official sources)"),
    "press": gettext_lazy("Press report"),
    "twinwise": gettext_lazy("twinwise editors"),
}


@dataclass
class SourceGroup:
    """Source rows that differ only by link (one event cited by several outlets)."""

    role: str
    role_label: str
    dataset: str
    dataset_label: str
    title: str
    reference: str
    note: str
    links: list[tuple[str, str]]  # (url, host shown as the link text)


def group_sources(sources) -> list[SourceGroup]:
    roles = dict(PartnershipSource.Role.choices)

    def key(s: PartnershipSource):
        return (s.role, s.dataset, s.reference, s.title, s.note)

    groups = []
    for (role, dataset, reference, title, note), rows in groupby(
        sorted(sources, key=lambda s: (*key(s), s.pk)), key=key
    ):
        links = _labelled_links(dict.fromkeys(s.url for s in rows if s.url))
        role_label, dataset_label = (
            str(roles.get(role, role)),
            str(DATASET_LABELS.get(dataset, dataset)),
        )
        groups.append(
            SourceGroup(role, role_label, dataset, dataset_label, title, reference, note, links)
        )
    return groups


def _labelled_links(urls) -> list[tuple[str, str]]:
    """(url, text) pairs: the site's name, numbered when one site is cited twice, so no
    two links on the page read the same."""
    hosts = [urlsplit(url).netloc.removeprefix("www.") or url for url in urls]
    seen: dict[str, int] = {}
    links = []
    for url, host in zip(urls, hosts, strict=True):
        seen[host] = seen.get(host, 0) + 1
        links.append((url, f"{host} ({seen[host]})" if hosts.count(host) > 1 else host))
    return links


@dataclass
class Sharing:
    level: str
    label: str
    explanation: str


def sharing(tlp: str) -> Sharing:
    """The sharing badge: the TLP label as text plus who can see the record, in words."""
    return Sharing(tlp, taxonomy.label("tlp_levels", tlp), _(taxonomy.help_text("tlp_levels", tlp)))


@dataclass
class OtherTies:
    place: object
    ties: list
    total: int


def other_ties(actor, partnership) -> list[OtherTies]:
    """A few other partnerships of each side, so a reader can follow the thread."""
    out = []
    for place in (partnership.local, partnership.counterpart):
        if place is None:
            continue
        qs = partnerships_of_place(actor=actor, place=place).exclude(pk=partnership.pk)
        ties = list(qs[: OTHER_TIES_SHOWN + 1])
        total = len(ties) if len(ties) <= OTHER_TIES_SHOWN else qs.count()
        out.append(OtherTies(place, rows_for(ties[:OTHER_TIES_SHOWN], place=place), total))
    return out


def api_record_url(pk: int) -> str:
    try:
        return reverse("api:partnership_detail", kwargs={"id": pk})
    except NoReverseMatch:
        return f"/api/v1/partnerships/{pk}"


def detail_context(actor, partnership: Partnership) -> dict:
    row = rows_for([partnership])[0]
    sources = partnership_sources(actor=actor, partnership=partnership)
    return {
        "partnership": partnership,
        "row": row,
        "status_help": status_help(row.status),
        "kind_help": _(taxonomy.help_text("partnership_kinds", partnership.kind)),
        "domains": [_(taxonomy.label("partnership_domains", d)) for d in partnership.domains],
        "sharing": sharing(partnership.tlp),
        "sources": group_sources(sources),
        "others": other_ties(actor, partnership),
        "api_url": api_record_url(partnership.pk),
    }


# -- how one partnership reads on every page ------------------------------------------------

REPORTED = facets.REPORTED


def status_help(status: str) -> str:
    if status == REPORTED:
        return _(
            "At least one source lists this partnership, but no source says whether it is "
            "still in use. It may be active, dormant or ended."
        )
    return _(taxonomy.help_text("partnership_statuses", status))


def status_label(status: str) -> str:
    if status == REPORTED:
        return _("Reported")
    return _(taxonomy.label("partnership_statuses", status))


def kind_label(kind: str) -> str:
    try:
        return _(taxonomy.label("partnership_kinds", kind))
    except KeyError:
        return kind


def partial_date(value: str, year: int | None = None) -> str:
    """'2016-03-29' → '29 March 2016', '2016-03' → 'March 2016', '' → '' (in the reader's locale)."""
    if not value:
        return str(year) if year else ""
    try:
        y, m, d = parse_partial_date(value)
    except ValueError:
        return value
    # Day-month-year reads the same to readers in Europe and North America; the format is
    # a translatable string so another language can order it its own way.
    if d:
        return date_format(dt.date(y, m, d), _("j F Y"))
    if m:
        return date_format(dt.date(y, m, 1), _("F Y"))
    return str(y)


@dataclass
class Row:
    """A partnership as the pages print it; `other` is the side that is not `place`."""

    partnership: Partnership
    kind_label: str
    status: str
    status_label: str
    signed: str
    ended: str
    other: object = None
    other_name: str = ""
    other_is_chinese: bool = False


def rows_for(partnerships, *, place=None) -> list[Row]:
    rows = []
    for p in partnerships:
        status = p.status_or_reported
        row = Row(
            partnership=p,
            kind_label=kind_label(p.kind),
            status=status,
            status_label=status_label(status),
            signed=partial_date(p.signed_on, p.signed_year),
            ended=partial_date(p.ended_on, p.ended_year),
        )
        if place is not None:
            row.other = p.counterpart if p.local_id == place.pk else p.local
            row.other_name = row.other.name if row.other is not None else p.counterpart_name
            row.other_is_chinese = bool(row.other is not None and row.other.country.china_side)
        rows.append(row)
    return rows
