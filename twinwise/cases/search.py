"""Finding experience reports: the one search interface of the case list, the API and the
command line.

`case_search(actor=…, query=…)` answers one page of reports with disjunctive facet counts
(each facet's counts apply every *other* active filter, so a count says how many reports
ticking that value gives). Everything is one SQL query per step with the access rule inside
it: `visible()` filters every count, every facet and the page itself, so nothing the
viewer may not see is ever counted — there are no per-row checks in Python.

Full text (ADR 0004): FTS5 on SQLite (the `cases_case_fts` table of migration 0002, kept in
sync by triggers) and PostgreSQL full-text search (the 'simple' configuration, a GIN index
on the same expression as `pg_vector()`), behind `text_filter()`. Words match from their
start ("Konsulat" finds "Konsulats"), in any language; a title hit ranks first.

The country facet is the reporting organisation's country. For an anonymous report from
another organisation the country would help identify the reporter, so it is never shown:
those reports are counted under "withheld" (access rule cases.case/see_reporter), and
filtering by a country never finds them.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case as SqlCase
from django.db.models import CharField, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import condition, visible
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Country

from .models import Case, CaseState
from .selectors import case_present_many, case_queryset

# -- the query ---------------------------------------------------------------------------

FACETS = (
    "topic",
    "case_type",
    "counterpart_kind",
    "counterpart",
    "country",
    "year",
    "response_type",
    "tlp",
    "state",
)
SORTS = ("relevance", "newest", "oldest")
LIST_PARAMS = ("q", "mine", *FACETS, "sort", "page")
PAGE_SIZE = 25
MAX_PAGE = 10_000
MAX_Q = 200
MAX_WORDS = 12
WITHHELD = "withheld"
UNKNOWN_YEAR = "unknown"
COUNTERPART_FACET_LIMIT = 25

# Facets over a closed vocabulary: counted together in one aggregate query.
TAXONOMY_FACETS = {
    "topic": "topics",
    "case_type": "case_types",
    "counterpart_kind": "counterpart_kinds",
    "response_type": "response_types",
    "tlp": "tlp_levels",
}
FIXED_FACETS = (*TAXONOMY_FACETS, "state")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("", "0", "false", "off", "no")


@dataclass(frozen=True)
class CaseQuery:
    """What the person asked for, validated: text, "mine", facet values, sort and page."""

    q: str = ""
    mine: bool = False
    sort: str = ""  # "" → relevance with a text search, newest without
    page: int = 1
    page_size: int = PAGE_SIZE
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.values.get(facet, ())

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q:
            return "newest"
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.mine or any(self.values.values()))

    def without(self, facet: str, value: str | None = None) -> "CaseQuery":
        """This query with one facet value (or the whole facet, or q / mine) removed, page 1."""
        if facet == "q":
            return replace(self, q="", page=1)
        if facet == "mine":
            return replace(self, mine=False, page=1)
        rest = () if value is None else tuple(v for v in self.selected(facet) if v != value)
        return replace(self, values={**self.values, facet: rest}, page=1)


def _check_value(facet: str, value: str) -> str:
    if facet in TAXONOMY_FACETS:
        if value not in taxonomy.ids(TAXONOMY_FACETS[facet]):
            raise UserFacingError(
                _("%(value)r is not one of: %(ids)s")
                % {"value": value, "ids": ", ".join(taxonomy.ids(TAXONOMY_FACETS[facet]))},
                field=facet,
            )
        return value
    if facet == "state":
        if value not in CaseState.values:
            raise UserFacingError(
                _("%(value)r is not one of: %(ids)s")
                % {"value": value, "ids": ", ".join(CaseState.values)},
                field=facet,
            )
        return value
    if facet == "country":
        if value.lower() == WITHHELD:
            return WITHHELD
        if not (len(value) == 2 and value.isascii() and value.isalpha()):
            raise UserFacingError(
                _("%(value)r is not a two-letter country code like DE (or 'withheld')")
                % {"value": value},
                field=facet,
            )
        return value.upper()
    if facet == "year":
        if value == UNKNOWN_YEAR:
            return value
        if not (len(value) == 4 and value.isascii() and value.isdigit()):
            raise UserFacingError(
                _("%(value)r is not a year like 2021 (or 'unknown')") % {"value": value},
                field=facet,
            )
        return value
    # counterpart: a name as reports spell it
    if len(value) > 300:
        raise UserFacingError(_("a counterpart name is at most 300 characters"), field=facet)
    return value


def _getlist(params) -> Callable[[str], list[str]]:
    """`getlist` of a QueryDict, or the same over a plain dict of strings or lists."""
    if hasattr(params, "getlist"):
        return params.getlist

    def getlist(key: str) -> list[str]:
        value = params.get(key, [])
        return [value] if isinstance(value, str) else [str(v) for v in value]

    return getlist


def parse_case_query(
    params, *, strict: bool = False, page_size: int = PAGE_SIZE, extra: Iterable[str] = ()
) -> CaseQuery:
    """Validate query parameters (a QueryDict or a dict); UserFacingError names the parameter.

    List parameters repeat (`?topic=tibet&topic=culture`) or are comma-separated, except
    `counterpart`, whose names may contain commas. `strict` (the API) rejects parameters
    this list does not know; `extra` names the caller's own (`page_size`).
    """
    getlist = _getlist(params)
    if strict:
        unknown = sorted(set(params.keys()) - set(LIST_PARAMS) - set(extra))
        if unknown:
            raise UserFacingError(
                _("unknown parameter; the case list accepts: %(known)s")
                % {"known": ", ".join((*LIST_PARAMS, *extra))},
                field=unknown[0],
            )
    values: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        items = [item.strip() for item in getlist(facet)]
        if facet != "counterpart":
            items = [part.strip() for item in items for part in item.split(",")]
        values[facet] = tuple(dict.fromkeys(_check_value(facet, v) for v in items if v))
    q = " ".join(" ".join(getlist("q")).split())
    if len(q) > MAX_Q:
        raise UserFacingError(
            _("the search text is at most %(n)d characters") % {"n": MAX_Q}, field="q"
        )
    mine = ((getlist("mine") or [""])[-1] or "").strip().lower()
    if mine not in _TRUE + _FALSE:
        raise UserFacingError(_("use mine=1 or leave it out"), field="mine")
    sort = ((getlist("sort") or [""])[-1] or "").strip()
    if sort and sort not in SORTS:
        raise UserFacingError(
            _("use one of: %(sorts)s") % {"sorts": ", ".join(SORTS)}, field="sort"
        )
    page_raw = ((getlist("page") or ["1"])[-1] or "1").strip()
    if not (page_raw.isascii() and page_raw.isdigit()) or not 1 <= int(page_raw) <= MAX_PAGE:
        raise UserFacingError(
            _("the page must be a whole number from 1 to %(max)s") % {"max": MAX_PAGE},
            field="page",
        )
    return CaseQuery(
        q=q,
        mine=mine in _TRUE,
        sort=sort,
        page=int(page_raw),
        page_size=page_size,
        values=values,
    )


# -- full text -----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")  # letters and digits; _ separates words, as in FTS5


def text_words(text: str) -> list[str]:
    """Every distinct word of a text (letters and digits of any script), casefolded, in order."""
    return list(dict.fromkeys(w.casefold() for w in _WORD.findall(text)))


def search_words(q: str) -> list[str]:
    """The words of a search text (letters and digits of any script), at most MAX_WORDS."""
    return text_words(q)[:MAX_WORDS]


def _prefix(word: str) -> bool:
    # Very short words match only themselves: a one- or two-letter prefix matches half
    # the vocabulary and says little.
    return len(word) >= 3


def fts5_expression(words: list[str]) -> str:
    """'"konsulat"* "brief"*' — every word, each from its start. Words hold only \\w
    characters, so quoting them cannot break out of the FTS5 string syntax."""
    return " ".join(f'"{w}"*' if _prefix(w) else f'"{w}"' for w in words)


def tsquery_expression(words: list[str]) -> str:
    """The same words for to_tsquery, with the same prefix rule: 'konsulat':* & 'eu'."""
    return " & ".join(f"'{w}':*" if _prefix(w) else f"'{w}'" for w in words)


def pg_vector() -> SearchVector:
    """Title weighs most, then the counterpart's name, then the prose. Migration 0002 builds
    its GIN index on exactly this expression: change both together."""
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector("counterpart_name", weight="B", config="simple")
        + SearchVector(
            "summary", "demand", "response", "outcome", "lessons", weight="C", config="simple"
        )
    )


FTS_TABLE = "cases_case_fts"
# bm25 weights per FTS column: title, counterpart_name, summary, demand, response, outcome, lessons.
_BM25_ALL = f"bm25({FTS_TABLE}, 10.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0)"
_BM25_TITLE = f"bm25({FTS_TABLE}, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)"
_FTS_IDS = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (fixed)
_FTS_RANK = (
    f"-(SELECT {{bm25}} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 (fixed)
    f" AND {FTS_TABLE}.rowid = cases_case.id)"
)


def _vendor(qs: QuerySet) -> str:
    return connections[qs.db].vendor


def _tsquery(words: list[str]) -> SearchQuery:
    return SearchQuery(tsquery_expression(words), search_type="raw", config="simple")


def text_filter(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """`qs` narrowed to reports whose text holds every word of `q` (from its start)."""
    words = search_words(q)
    if not words:
        return qs.none()
    vendor = _vendor(qs)
    if vendor == "sqlite":
        # The MATCH runs once, on the index; the cases are then read by primary key. (A join
        # let the planner walk every visible case and probe the index once per case.)
        return qs.filter(pk__in=RawSQL(_FTS_IDS, [fts5_expression(words)]))  # noqa: S611
    if vendor == "postgresql":
        return qs.alias(search_vector=pg_vector()).filter(search_vector=_tsquery(words))
    # Any other database: every word somewhere in the text, unranked.
    for word in words:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(counterpart_name__icontains=word)
            | Q(summary__icontains=word)
            | Q(demand__icontains=word)
            | Q(response__icontains=word)
            | Q(outcome__icontains=word)
            | Q(lessons__icontains=word)
        )
    return qs


def with_text_rank(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Annotate a `text_filter`ed queryset with `title_rank` and `text_rank` (higher is better)."""
    words = search_words(q)
    vendor = _vendor(qs)
    if not words or vendor not in ("sqlite", "postgresql"):
        return qs.annotate(title_rank=Value(0.0), text_rank=Value(0.0))
    if vendor == "sqlite":
        # bm25() is lower for better matches; negated so both databases sort descending.
        # One index probe per matching case (MATCH with its rowid), for the page's order only.
        expression = [fts5_expression(words)]
        return qs.annotate(
            title_rank=RawSQL(_FTS_RANK.format(bm25=_BM25_TITLE), expression),  # noqa: S611
            text_rank=RawSQL(_FTS_RANK.format(bm25=_BM25_ALL), expression),  # noqa: S611
        )
    query = _tsquery(words)
    return qs.annotate(
        # weights are D, C, B, A: only the title (A) counts for title_rank.
        title_rank=SearchRank(F("search_vector"), query, weights=[0.0, 0.0, 0.0, 1.0]),
        text_rank=SearchRank(F("search_vector"), query),
    )


# -- the base query ---------------------------------------------------------------------------
#
# The access rule is the costly part of every query to build (a dozen conditions and
# subqueries), so it is compiled once per search: `_base()` is visible() + "mine" + the
# text, as SQL, and the facet filters, counts and the page are plain SQL around it
# (`SELECT … FROM (<base>) t WHERE <facet filters>`). Both databases inline such a
# subquery, so the access rule stays inside every query that counts or lists.


def reporter_country(actor: Actor) -> SqlCase:
    """The reporting organisation's country where `actor` may know who reported, else
    'withheld' — computed in SQL by the access rule cases.case/see_reporter."""
    return SqlCase(
        When(condition(actor, Case, "see_reporter"), then=F("organisation__country_id")),
        default=Value(WITHHELD),
        output_field=CharField(),
    )


_BASE_COLUMNS = (
    "id",
    "topics",
    "case_type",
    "counterpart_kind",
    "counterpart_name",
    "occurred_year",
    "occurred_on",
    "response_type",
    "tlp",
    "state",
    "reporter_country",
)


@dataclass(frozen=True)
class _Base:
    """visible() + mine + text for one actor and query, compiled once."""

    sql: str
    params: tuple
    db: str

    def run(
        self,
        select: str,
        select_params: list,
        query: "CaseQuery",
        *,
        skip: str | None = None,
        where: tuple[str, ...] = (),
        where_params: tuple = (),
        tail: str = "",
        tail_params: tuple = (),
    ) -> list[tuple]:
        """`SELECT <select> FROM (<base>) t WHERE <facet filters but skip's> <where> <tail>`."""
        clauses, params = _where(query, connections[self.db].vendor, skip=skip)
        clauses += where
        sql = f"SELECT {select} FROM ({self.sql}) t"  # noqa: S608 (no outside text)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        all_params = [*select_params, *self.params, *params, *where_params, *tail_params]
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"{sql} {tail}", all_params)
            return cursor.fetchall()


def _base(actor: Actor, query: "CaseQuery") -> _Base | None:
    """None when nothing can match (mine without an organisation, no searchable word)."""
    qs = Case.objects.all()
    if query.mine:
        if actor.organisation_id is None:
            return None
        qs = qs.filter(organisation_id=actor.organisation_id)
    columns = list(_BASE_COLUMNS)
    if query.q:
        if not search_words(query.q):
            return None
        qs = text_filter(qs, query.q)
        if query.effective_sort == "relevance":
            qs = with_text_rank(qs, query.q)
            columns += ["title_rank", "text_rank"]
    qs = visible(actor, qs).annotate(reporter_country=reporter_country(actor))
    try:
        sql, params = qs.order_by().values(*columns).query.sql_with_params()
    except EmptyResultSet:  # a rule that lets the actor see nothing at all
        return None
    return _Base(sql, tuple(params), qs.db)


_COLUMNS = {
    "topic": "topics",
    "case_type": "case_type",
    "counterpart_kind": "counterpart_kind",
    "counterpart": "counterpart_name",
    "country": "reporter_country",
    "year": "occurred_year",
    "response_type": "response_type",
    "tlp": "tlp",
    "state": "state",
}


def _is_active(facet: str, query: "CaseQuery") -> bool:
    """Whether the facet narrows the list: a value is chosen, or — for state outside "my
    organisation's reports" — the default, shared (published) reports only."""
    return bool(query.selected(facet)) or (facet == "state" and not query.mine)


def _facet_sql(facet: str, query: "CaseQuery", vendor: str) -> tuple[str, list]:
    """The facet's condition on t: its chosen values OR-ed, or the state default."""
    values = list(query.selected(facet))
    if not values:
        # On SQLite the unary + keeps the planner off the state index: nearly every case is
        # published, and walking that index (one table lookup per case) is slower than
        # reading the table, and would stop a text search from starting at its few matches.
        plus = "+" if vendor == "sqlite" else ""
        return f"{plus}t.state = %s", [CaseState.PUBLISHED]
    column = f"t.{_COLUMNS[facet]}"
    if facet == "topic":
        # topics is a JSON list of ids; '"tibet"' with its quotes matches the whole id in
        # the list's JSON text, on SQLite and PostgreSQL alike (ids hold no _ or %).
        like = f"CAST({column} AS TEXT) LIKE %s"
        return "(" + " OR ".join([like] * len(values)) + ")", [f'%"{v}"%' for v in values]
    if facet == "year":
        years = [int(v) for v in values if v != UNKNOWN_YEAR]
        parts = [f"{column} IN ({', '.join(['%s'] * len(years))})"] if years else []
        if UNKNOWN_YEAR in values:
            parts.append(f"{column} IS NULL")
        return "(" + " OR ".join(parts) + ")", years
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _where(query: "CaseQuery", vendor: str, *, skip: str | None = None) -> tuple[list[str], list]:
    clauses, params = [], []
    for facet in FACETS:
        if facet != skip and _is_active(facet, query):
            clause, clause_params = _facet_sql(facet, query, vendor)
            clauses.append(clause)
            params.extend(clause_params)
    return clauses, params


# -- the page ------------------------------------------------------------------------------


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class CasePage:
    query: CaseQuery
    total: int
    page: int
    page_size: int
    rows: list[dict]  # case_present_many dicts: the only form in which reports leave here
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


def shown_facets(actor: Actor, query: CaseQuery) -> tuple[str, ...]:
    """The facets offered. State is offered in "my organisation's reports" only: elsewhere
    the list holds shared (published) reports, and drafts or reports waiting for a
    moderator are their organisation's business."""
    if query.mine and actor.organisation_id is not None:
        return FACETS
    return tuple(f for f in FACETS if f != "state")


def case_search(*, actor: Actor, query: CaseQuery, with_facets: bool = True) -> CasePage:
    """One page of the reports `actor` may see, redacted for them, with facet counts.

    Rule: only reports the access policy lets `actor` see are listed or counted
    (cases.case/view), and a reporter's country only where cases.case/see_reporter allows.
    """
    base = _base(actor, query)
    if base is None:
        facets = {f: _values(f, {}, query) for f in shown_facets(actor, query)}
        return CasePage(query, 0, query.page, query.page_size, [], facets if with_facets else {})
    facets, total = facet_counts(actor, query, base) if with_facets else ({}, None)
    if total is None:
        total = base.run("COUNT(*)", [], query)[0][0]
    offset = (query.page - 1) * query.page_size
    rows: list[dict] = []
    if offset < total:
        ids = [
            row[0]
            for row in base.run(
                "t.id",
                [],
                query,
                tail=_order_by(query) + " LIMIT %s OFFSET %s",
                tail_params=(query.page_size, offset),
            )
        ]
        # Read through the access policy once more: the page is built from visible rows only.
        by_id = {c.pk: c for c in case_queryset(actor=actor).filter(pk__in=ids)}
        rows = case_present_many(actor=actor, cases=[by_id[i] for i in ids if i in by_id])
    return CasePage(query, total, query.page, query.page_size, rows, facets)


def case_count(*, actor: Actor, query: CaseQuery) -> int:
    """How many reports `actor` may see match `query` (no page, no facets)."""
    base = _base(actor, query)
    return 0 if base is None else base.run("COUNT(*)", [], query)[0][0]


_NEWEST = "(t.occurred_year IS NULL), t.occurred_year DESC, t.occurred_on DESC, t.id DESC"
_OLDEST = "(t.occurred_year IS NULL), t.occurred_year ASC, t.occurred_on ASC, t.id ASC"


def _order_by(query: CaseQuery) -> str:
    match query.effective_sort:
        case "relevance":
            return f"ORDER BY t.title_rank DESC, t.text_rank DESC, {_NEWEST}"
        case "oldest":
            return f"ORDER BY {_OLDEST}"
        case _:
            return f"ORDER BY {_NEWEST}"


# -- facet counts ----------------------------------------------------------------------------


def facet_counts(
    actor: Actor, query: CaseQuery, base: _Base
) -> tuple[dict[str, list[FacetValue]], int | None]:
    """Disjunctive counts for every facet shown to `actor`, and the number of matching
    reports when it came for free (None otherwise).

    Facets whose own filter is inactive share one set of filters (the list's own); each
    active facet is counted with every other filter applied. Per set of filters one scan
    counts the closed vocabularies, year and country together; counterpart names, an open
    list, take a second.
    """
    groups: dict[str | None, list[str]] = {}
    for facet in shown_facets(actor, query):
        groups.setdefault(facet if _is_active(facet, query) else None, []).append(facet)
    counts: dict[str, dict[str, int]] = {}
    total = None
    for skip, facets in groups.items():
        scanned = [f for f in facets if f != "counterpart"]
        if scanned:
            scan_counts, rows = _scan_counts(base, query, skip, scanned)
            counts.update(scan_counts)
            if skip is None:
                total = rows
        if "counterpart" in facets:
            counts["counterpart"] = _counterpart_counts(base, query, skip)
    shown = shown_facets(actor, query)
    return {facet: _values(facet, counts[facet], query) for facet in shown}, total


def _vocabulary(facet: str) -> tuple[str, ...]:
    if facet == "state":
        return tuple(CaseState.values)
    return taxonomy.ids(TAXONOMY_FACETS[facet])


_GROUPED = ("year", "country")


def _scan_counts(
    base: _Base, query: CaseQuery, skip: str | None, facets: list[str]
) -> tuple[dict[str, dict[str, int]], int]:
    """One scan, grouped by year and country (few groups): a conditional count per value of
    each closed vocabulary, summed over the groups here."""
    keys = [f for f in _GROUPED if f in facets]
    fixed = [f for f in facets if f in FIXED_FACETS]
    select = [f"t.{_COLUMNS[k]}" for k in keys] + ["COUNT(*)"]
    params: list = []
    for facet in fixed:
        for value in _vocabulary(facet):
            if facet == "topic":
                select.append("SUM(CASE WHEN CAST(t.topics AS TEXT) LIKE %s THEN 1 ELSE 0 END)")
                params.append(f'%"{value}"%')
            else:
                select.append(f"SUM(CASE WHEN t.{_COLUMNS[facet]} = %s THEN 1 ELSE 0 END)")
                params.append(value)
    tail = "GROUP BY " + ", ".join(select[: len(keys)]) if keys else ""
    rows = base.run(", ".join(select), params, query, skip=skip, tail=tail)
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    total = 0
    for row in rows:
        n, sums = int(row[len(keys)] or 0), row[len(keys) + 1 :]
        total += n
        for key, value in zip(keys, row[: len(keys)], strict=True):
            if key == "year":
                value = str(value) if value else UNKNOWN_YEAR
            if value:
                counts[key][value] = counts[key].get(value, 0) + n
        index = 0
        for facet in fixed:
            for value in _vocabulary(facet):
                counts[facet][value] = counts[facet].get(value, 0) + int(sums[index] or 0)
                index += 1
    return counts, total


def _counterpart_counts(base: _Base, query: CaseQuery, skip: str | None) -> dict[str, int]:
    """The counterpart names given most often (and any chosen one)."""
    column = "t.counterpart_name"
    named = (f"{column} <> ''",)
    rows = base.run(
        f"{column}, COUNT(*)",
        [],
        query,
        skip=skip,
        where=named,
        tail=f"GROUP BY {column} ORDER BY COUNT(*) DESC, {column} LIMIT %s",
        tail_params=(COUNTERPART_FACET_LIMIT,),
    )
    top = dict(rows)
    missing = tuple(v for v in query.selected("counterpart") if v not in top)
    if missing:
        chosen = f"{column} IN ({', '.join(['%s'] * len(missing))})"
        more = base.run(
            f"{column}, COUNT(*)",
            [],
            query,
            skip=skip,
            where=(*named, chosen),
            where_params=missing,
            tail=f"GROUP BY {column}",
        )
        top.update(dict(more))
    return top


def _label(facet: str, value: str, countries: Mapping[str, str]) -> str:
    match facet:
        case "state":
            return str(CaseState(value).label)
        case "country":
            if value == WITHHELD:
                return _("Not shown (anonymous reports)")
            return countries.get(value, value)
        case "year":
            return _("Not known") if value == UNKNOWN_YEAR else value
        case "counterpart":
            return value
        case _:
            return _(taxonomy.label(TAXONOMY_FACETS[facet], value))


def _values(facet: str, counts: Mapping[str, int], query: CaseQuery) -> list[FacetValue]:
    """Values with reports (and any selected one), in the order a reader scans them."""
    selected = query.selected(facet)
    keys = [v for v, n in counts.items() if n] + [v for v in selected if not counts.get(v)]
    countries = _country_names(keys) if facet == "country" else {}
    values = [
        FacetValue(v, _label(facet, v, countries), counts.get(v, 0), v in selected)
        for v in dict.fromkeys(keys)
    ]
    if facet == "year":  # newest first, "not known" last
        values.sort(key=lambda fv: "" if fv.value == UNKNOWN_YEAR else fv.value, reverse=True)
    elif facet == "country":
        values.sort(key=lambda fv: (fv.value == WITHHELD, -fv.count, fv.label))
    elif facet in TAXONOMY_FACETS or facet == "counterpart":
        values.sort(key=lambda fv: (-fv.count, fv.label))
    return values


def _country_names(codes: list[str]) -> dict[str, str]:
    codes = [c for c in codes if c != WITHHELD]
    if not codes:
        return {}
    return dict(Country.objects.filter(iso2__in=codes).values_list("iso2", "name"))
