"""What the case list page shows, built from a CasePage: facet groups, chips, pager, rows.

The rows come from `case_present_many` (through `case_search`), so a report reads the same
here as in the API and the exports: an anonymous reporter is already generalised. Every
link is built from the validated CaseQuery, never by echoing raw request parameters.
"""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from twinwise.access.actors import Actor
from twinwise.core import taxonomy
from twinwise.core.facet_ui import Chip, FacetGroup, Pager
from twinwise.core.facet_ui import facet_groups as shared_facet_groups
from twinwise.core.facet_ui import pager as shared_pager
from twinwise.partnerships.views import partial_date, sharing

from .models import CaseState
from .search import FACETS, CasePage, CaseQuery

# Facets in the order a reader scans them, with a plain-language title and hint.
FACET_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("topic", gettext_lazy("Topic"), ""),
    ("case_type", gettext_lazy("What happened"), ""),
    ("counterpart_kind", gettext_lazy("Kind of counterpart"), ""),
    (
        "counterpart",
        gettext_lazy("Counterpart"),
        gettext_lazy("The 25 named most often."),
    ),
    (
        "country",
        gettext_lazy("Country of the reporting city"),
        gettext_lazy(
            "Not shown for anonymous reports from other organisations: the country could "
            "help identify the city."
        ),
    ),
    ("year", gettext_lazy("Year"), ""),
    ("response_type", gettext_lazy("How the city responded"), ""),
    ("tlp", gettext_lazy("Who can see it"), ""),
    ("state", gettext_lazy("State"), ""),
)
FACET_TITLES = {facet: str(title) for facet, title, _hint in FACET_GROUPS}

SORT_LABELS = {
    "relevance": gettext_lazy("Best match"),
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
}


def list_url(query: CaseQuery, *, page: int = 1) -> str:
    """The case list address for `query`; defaults are left out so shared links stay short."""
    params: list[tuple[str, str]] = []
    if query.q:
        params.append(("q", query.q))
    if query.mine:
        params.append(("mine", "1"))
    for facet in FACETS:
        params.extend((facet, v) for v in query.selected(facet))
    if query.sort:
        params.append(("sort", query.sort))
    if page > 1:
        params.append(("page", str(page)))
    base = reverse("cases:list")
    return f"{base}?{urlencode(params)}" if params else base


def case_url(pk: int) -> str:
    """The report's page (the detail view may be wired later than this list)."""
    try:
        return reverse("cases:detail", args=[pk])
    except NoReverseMatch:
        return f"/cases/{pk}/"


def facet_groups(page: CasePage) -> list[FacetGroup]:
    return shared_facet_groups(page.facets, FACET_GROUPS)


def active_chips(page: CasePage) -> list[Chip]:
    query = page.query
    chips = []
    if query.q:
        chips.append(
            Chip(_("Words: %(text)s") % {"text": query.q}, list_url(query.without("q")), True)
        )
    if query.mine:
        chips.append(
            Chip(_("Only my organisation’s reports"), list_url(query.without("mine")), True)
        )
    labels = {(f, fv.value): fv.label for f, values in page.facets.items() for fv in values}
    for facet in FACETS:
        for value in query.selected(facet):
            label = f"{FACET_TITLES[facet]}: {labels.get((facet, value), value)}"
            chips.append(Chip(label, list_url(query.without(facet, value))))
    return chips


def pager(page: CasePage) -> Pager | None:
    return shared_pager(page.page, page.pages, lambda n: list_url(page.query, page=n))


@dataclass
class Row:
    """One report as the list prints it (from a case_present dict)."""

    item: dict
    url: str
    case_type: str
    counterpart_kind: str
    topics: list[str]
    occurred: str
    tlp_label: str
    state_label: str  # empty when published


def _label(name: str, value: str) -> str:
    try:
        return _(taxonomy.label(name, value)) if value else ""
    except KeyError:
        return value


def rows_for(items: list[dict]) -> list[Row]:
    rows = []
    for item in items:
        counterpart = item["counterpart"] or {}
        rows.append(
            Row(
                item=item,
                url=case_url(item["id"]),
                case_type=_label("case_types", item["case_type"]),
                counterpart_kind=_label("counterpart_kinds", counterpart.get("kind", "")),
                topics=[_label("topics", t) for t in item["topics"]],
                occurred=partial_date(item["occurred_on"]) or str(item.get("occurred_year") or ""),
                tlp_label=_label("tlp_levels", item["tlp"]),
                state_label=""
                if item["state"] == CaseState.PUBLISHED
                else str(CaseState(item["state"]).label),
            )
        )
    return rows


def sort_choices(query: CaseQuery) -> list[tuple[str, str, bool]]:
    """(value, label, selected). The default order has the empty value, so typing words
    after choosing nothing switches to "best match" by itself."""
    default = "relevance" if query.q else "newest"
    current = query.effective_sort
    choices = [("", str(SORT_LABELS[default]), current == default)]
    for value in ("newest", "oldest"):
        if value != default:
            choices.append((value, str(SORT_LABELS[value]), current == value))
    return choices


def list_context(actor: Actor, page: CasePage, *, needs_second_factor: bool = False) -> dict:
    """Everything the list template needs. `needs_second_factor`: a member signed in
    without a second factor, who sees only public reports until they confirm."""
    query = page.query
    return {
        "page": page,
        "query": query,
        "rows": rows_for(page.rows),
        "groups": facet_groups(page),
        "chips": active_chips(page),
        "pager": pager(page),
        "sort_choices": sort_choices(query),
        "clear_url": reverse("cases:list"),
        "is_member": actor.organisation_id is not None,
        "needs_second_factor": needs_second_factor,
        "beyond_last_page": page.total and page.page > page.pages,
        "last_page_url": list_url(query, page=page.pages),
        "without_text_url": list_url(replace(query.without("q"), sort="")),
        "clear_sharing": sharing("clear"),
    }
