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

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.rules import (
    STATE_CODES,
    TLP_CODES,
    case_levels_mask,
    reporter_shown_mask,
)
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Country

from .index import CaseSnapshot, case_index, topic_bits
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
_FTS_ID_LIST = f"SELECT group_concat(rowid) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608


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
    """Annotate a PostgreSQL `text_filter`ed queryset with `title_rank` and `text_rank`
    (higher is better). SQLite ranks in one pass over the FTS5 table (`_sqlite_match`)."""
    query = _tsquery(search_words(q))
    return qs.annotate(
        # weights are D, C, B, A: only the title (A) counts for title_rank.
        title_rank=SearchRank(F("search_vector"), query, weights=[0.0, 0.0, 0.0, 1.0]),
        text_rank=SearchRank(F("search_vector"), query),
    )


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
    # Relevance was asked for but too many reports match to rank them: newest first.
    unranked: bool = False

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


# -- text matches ---------------------------------------------------------------------------
#
# The words are matched by the database's own full-text index (FTS5 / GIN), which answers
# with the ids of every matching report in one pass; the access rule, the facets and the
# order are then applied in the case index like any other filter. Ranking: with up to
# RANK_LIMIT matches every match gets its bm25 / ts_rank in the same pass. Beyond that (a
# word in more than 1 % of a million reports) a rank per match would cost more than the
# whole list and order mostly noise: those lists are newest first (ADR 0009), and the page
# says so (CasePage.ranked).

RANK_LIMIT = 10_000
TEXT_CACHE_SIZE = 32


@dataclass(frozen=True)
class TextMatch:
    positions: np.ndarray  # index positions of the matching reports
    title_rank: np.ndarray | None  # per position, higher is better (None: not ranked)
    text_rank: np.ndarray | None


def _fts_ids(cursor, expression: str) -> np.ndarray:
    """The rowids matching an FTS5 expression, ascending. One string from group_concat
    parses ~4× faster than a Python tuple per match (356,000 matches: ~100 ms vs ~450)."""
    cursor.execute(_FTS_ID_LIST, [expression])
    text = cursor.fetchone()[0]
    ids = np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)
    return ids if np.all(ids[1:] > ids[:-1]) else np.unique(ids)


def _sqlite_match(cursor, words: list[str], rank: bool) -> tuple[np.ndarray, ...]:
    expression = fts5_expression(words)
    ids = _fts_ids(cursor, expression)
    if not rank:
        return (ids,)
    if len(ids) <= RANK_LIMIT:
        cursor.execute(
            f"SELECT rowid, -{_BM25_TITLE}, -{_BM25_ALL} FROM {FTS_TABLE}"  # noqa: S608 (fixed)
            f" WHERE {FTS_TABLE} MATCH %s",
            [expression],
        )
        rows = cursor.fetchall()
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return ids, np.array([r[1] for r in rows], float), np.array([r[2] for r in rows], float)
    return (ids,)  # too many to rank: newest first (see above)


def _orm_match(db: str, words: list[str], rank: bool) -> tuple[np.ndarray, ...]:
    q = " ".join(words)
    qs = text_filter(Case.objects.using(db).order_by(), q)
    if not rank:
        return (np.fromiter(qs.values_list("pk", flat=True), np.int64),)
    ids = np.fromiter(qs.values_list("pk", flat=True), np.int64)
    if len(ids) <= RANK_LIMIT and connections[db].vendor == "postgresql":
        rows = list(with_text_rank(qs, q).values_list("pk", "title_rank", "text_rank"))
        return (
            np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            np.array([r[1] for r in rows], float),
            np.array([r[2] for r in rows], float),
        )
    return (ids,)


def text_match(snap: CaseSnapshot, words: list[str], *, rank: bool, db: str) -> TextMatch:
    """The reports holding every word, as index positions (cached per snapshot)."""
    key = ("text", tuple(words), rank)
    cached = snap.cache.get(key)
    if cached is not None:
        return cached
    if connections[db].vendor == "sqlite":
        with connections[db].cursor() as cursor:
            found = _sqlite_match(cursor, words, rank)
    else:
        found = _orm_match(db, words, rank)
    ids, ranks = found[0], list(found[1:]) if len(found) == 3 else [None, None]
    if not np.all(ids[1:] > ids[:-1]):
        order = np.argsort(ids, kind="stable")
        ids, ranks = ids[order], [r[order] if r is not None else None for r in ranks]
    at = snap.positions_of(ids)  # -1: written after the snapshot, not listed yet
    keep = at >= 0
    positions = at[keep]
    ranks = [r[keep] if r is not None else None for r in ranks]
    match = TextMatch(positions, *ranks)
    _remember(snap.cache, key, match, TEXT_CACHE_SIZE)
    return match


# -- the engine ------------------------------------------------------------------------------
#
# The access rule is `access.rules.case_levels_mask` over the index (the vectorised twin of
# the Q rule `visible()` applies; tests/access/test_case_index.py proves them equal), and
# the reporter's country follows cases.case/see_reporter the same way. Nothing the viewer
# may not see is counted; the rows of the page are read through `visible()` once more.


def _is_active(facet: str, query: CaseQuery) -> bool:
    """Whether the facet narrows the list: a value is chosen, or — for state outside "my
    organisation's reports" — the default, shared (published) reports only."""
    return bool(query.selected(facet)) or (facet == "state" and not query.mine)


def _vocabulary(facet: str) -> tuple[str, ...]:
    if facet == "state":
        return STATE_CODES
    if facet == "tlp":
        return TLP_CODES
    return taxonomy.ids(TAXONOMY_FACETS[facet])


class _Request:
    """One search's working set: the index, the viewer's columns, the base mask."""

    def __init__(self, snap: CaseSnapshot, actor: Actor, query: CaseQuery) -> None:
        self.snap, self.actor, self.query = snap, actor, query
        self.visible, self.country, self.countries = _viewer_columns(snap, actor)
        self.base = self.visible
        self.text: TextMatch | None = None

    def column(self, facet: str) -> np.ndarray:
        if facet == "country":
            return self.country
        return getattr(self.snap, _INDEX_COLUMNS[facet])

    def mask(self, facet: str) -> np.ndarray:
        """The facet's filter: its chosen values OR-ed, or the state default."""
        values, snap = self.query.selected(facet), self.snap
        if facet == "topic":
            wanted = np.uint64(sum(topic_bits().get(v, 0) for v in values))
            combos, uniques = snap.topic_combos
            return ((uniques & wanted) != 0)[combos]
        if facet == "state" and not values:
            return snap.state == STATE_CODES.index("published")
        if facet == "counterpart":
            codes = [snap.names.codes[v] for v in values if v in snap.names.codes]
        elif facet == "country":
            codes = [self.countries.index(v) for v in values if v in self.countries]
        elif facet == "year":
            codes = [0 if v == UNKNOWN_YEAR else int(v) for v in values]
        else:
            vocabulary = _vocabulary(facet)
            codes = [vocabulary.index(v) for v in values if v in vocabulary]
        return _among(self.column(facet), codes)

    def counts(self, mask: np.ndarray, facets: Iterable[str]) -> dict[str, dict[str, int]]:
        """Counts per value of each of `facets` over the reports in `mask`."""
        snap = self.snap
        at = np.flatnonzero(mask)
        found: dict[str, dict[str, int]] = {}
        joint = [f for f in facets if f in JOINT_FACETS]
        if joint:
            codes, sizes = snap.joint_codes
            counted = np.bincount(codes[at], minlength=int(np.prod(sizes))).reshape(sizes)
            for facet in joint:
                axis = JOINT_FACETS.index(facet)
                others = tuple(i for i in range(len(sizes)) if i != axis)
                marginal = counted.sum(axis=others)
                found[facet] = {
                    v: int(marginal[i]) for i, v in enumerate(_vocabulary(facet)) if marginal[i]
                }
        for facet in facets:
            if facet == "topic":
                combos, uniques = snap.topic_combos
                per_combo = np.bincount(combos[at], minlength=len(uniques))
                found[facet] = {
                    topic: int(per_combo[(uniques & np.uint64(bit)) != 0].sum())
                    for topic, bit in topic_bits().items()
                }
            elif facet == "counterpart":
                found[facet] = self._counterpart_counts(at)
            elif facet == "year":
                counted = np.bincount(snap.year[at])
                found[facet] = {
                    (str(y) if y else UNKNOWN_YEAR): int(n) for y, n in enumerate(counted) if n
                }
            elif facet == "country":
                counted = np.bincount(self.country[at], minlength=len(self.countries))
                found[facet] = {v: int(counted[i]) for i, v in enumerate(self.countries) if v}
        return found

    def _counterpart_counts(self, at: np.ndarray) -> dict[str, int]:
        """The counterpart names given most often (and any chosen one)."""
        names = self.snap.names
        counted = np.bincount(self.snap.counterpart[at], minlength=len(names.values))
        blank = names.codes.get("")
        if blank is not None:
            counted[blank] = 0
        nonzero = np.flatnonzero(counted)
        if len(nonzero) > COUNTERPART_FACET_LIMIT:
            floor = np.partition(counted[nonzero], -COUNTERPART_FACET_LIMIT)[
                -COUNTERPART_FACET_LIMIT
            ]
            nonzero = nonzero[counted[nonzero] >= floor]
        top = sorted((-int(counted[c]), names.values[c]) for c in nonzero)
        found = {name: -n for n, name in top[:COUNTERPART_FACET_LIMIT]}
        for value in self.query.selected("counterpart"):
            code = names.codes.get(value)
            if value not in found and code is not None and counted[code]:
                found[value] = int(counted[code])
        return found


JOINT_FACETS = ("case_type", "counterpart_kind", "response_type", "tlp", "state")
VIEWER_CACHE_SIZE = 16


def _among(column: np.ndarray, codes: list[int]) -> np.ndarray:
    """column ∈ codes, for a column of small non-negative codes (a lookup table, not isin)."""
    table = np.zeros(max([int(column.max()) if len(column) else 0, *codes]) + 1, bool)
    table[[c for c in codes if c >= 0]] = True
    return table[column]


def _viewer_columns(snap: CaseSnapshot, actor: Actor) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """What `actor` may see (access.rules.case_levels_mask) and, per report, the reporter's
    country as they may know it (the last code, 'withheld', for anonymous reports of other
    organisations: cases.case/see_reporter). Cached per snapshot for recent viewers: the
    rule depends only on these fields of the actor."""
    key = (
        "viewer",
        actor.user_id,
        actor.organisation_id,
        actor.organisation_verified,
        actor.is_org_admin,
        actor.is_moderator,
    )
    cached = snap.cache.get(key)
    if cached is None:
        visible = case_levels_mask(actor, snap)
        codes, countries = snap.country_codes
        shown = reporter_shown_mask(actor, snap, snap.anonymous)
        country = np.where(shown, codes, len(countries)).astype(np.int16)
        cached = (visible, country, [*countries, WITHHELD])
        _remember(snap.cache, key, cached, VIEWER_CACHE_SIZE)
    return cached


def _remember(cache: dict, key: tuple, value, size: int) -> None:
    """Keep at most `size` entries of key[0]'s kind, dropping the oldest."""
    same_kind = [k for k in cache if k[0] == key[0]]
    if len(same_kind) >= size:
        del cache[same_kind[0]]
    cache[key] = value


_INDEX_COLUMNS = {
    "case_type": "case_type",
    "counterpart": "counterpart",
    "counterpart_kind": "counterpart_kind",
    "response_type": "response_type",
    "year": "year",
    "tlp": "tlp",
    "state": "state",
}


def _request(actor: Actor, query: CaseQuery, db: str) -> _Request | None:
    """None when nothing can match (mine without an organisation, no searchable word)."""
    if query.mine and actor.organisation_id is None:
        return None
    words = search_words(query.q) if query.q else []
    if query.q and not words:
        return None
    req = _Request(case_index(db), actor, query)
    if query.mine:
        req.base = req.base & (req.snap.organisation == actor.organisation_id)
    if words:
        rank = query.effective_sort == "relevance"
        req.text = text_match(req.snap, words, rank=rank, db=db)
        matching = np.zeros(req.snap.n, bool)
        matching[req.text.positions] = True
        req.base = req.base & matching
    return req


def _filtered(req: _Request, masks: dict[str, np.ndarray], skip: str | None) -> np.ndarray:
    result = req.base.copy()
    for facet, mask in masks.items():
        if facet != skip:
            result &= mask
    return result


def _page_positions(
    req: _Request, mask: np.ndarray, total: int, offset: int, size: int
) -> np.ndarray:
    """Positions of the page's reports, in the list's order."""
    snap, sort = req.snap, req.query.effective_sort
    if sort == "relevance" and req.text is not None and req.text.title_rank is not None:
        chosen = mask[req.text.positions]
        positions = req.text.positions[chosen]
        order = np.lexsort(
            (
                snap.rank("newest")[positions],
                -req.text.text_rank[chosen],
                -req.text.title_rank[chosen],
            )
        )
        return positions[order][offset : offset + size]
    order = "oldest" if sort == "oldest" else "newest"
    wanted = offset + size
    if total * 32 < snap.n:  # few matches: sort them rather than walk the whole order
        positions = np.flatnonzero(mask)
        ranks = snap.rank(order)[positions]
        chosen = np.argpartition(ranks, wanted - 1)[:wanted] if wanted < len(ranks) else None
        if chosen is not None:
            positions, ranks = positions[chosen], ranks[chosen]
        return positions[np.argsort(ranks)][offset:wanted]
    # Many matches: walk the order in blocks until the page is full.
    permutation = snap.order(order)
    block = max(4096, 2 * wanted * snap.n // max(total, 1))
    found, start = [], 0
    while start < snap.n and sum(len(f) for f in found) < wanted:
        chunk = permutation[start : start + block]
        found.append(chunk[mask[chunk]])
        start += block
    return np.concatenate(found)[offset:wanted] if found else np.zeros(0, np.intp)


def case_search(
    *, actor: Actor, query: CaseQuery, with_facets: bool = True, db: str = "default"
) -> CasePage:
    """One page of the reports `actor` may see, redacted for them, with facet counts.

    Rule: only reports the access policy lets `actor` see are listed or counted
    (cases.case/view), and a reporter's country only where cases.case/see_reporter allows.
    """
    shown = shown_facets(actor, query)
    req = _request(actor, query, db)
    if req is None:
        facets = {f: _values(f, {}, query) for f in shown} if with_facets else {}
        return CasePage(query, 0, query.page, query.page_size, [], facets)
    masks = {f: req.mask(f) for f in FACETS if _is_active(f, query)}
    full = _filtered(req, masks, None)
    total = int(np.count_nonzero(full))
    facets = {}
    if with_facets:
        counts = req.counts(full, [f for f in shown if f not in masks])
        for facet in (f for f in shown if f in masks):
            counts.update(req.counts(_filtered(req, masks, facet), [facet]))
        facets = {facet: _values(facet, counts.get(facet, {}), query) for facet in shown}
    offset = (query.page - 1) * query.page_size
    rows: list[dict] = []
    if offset < total:
        ids = [
            int(i) for i in req.snap.id[_page_positions(req, full, total, offset, query.page_size)]
        ]
        # Read through the access policy once more: the page is built from visible rows only.
        by_id = {c.pk: c for c in case_queryset(actor=actor).using(db).filter(pk__in=ids)}
        rows = case_present_many(actor=actor, cases=[by_id[i] for i in ids if i in by_id])
    unranked = (
        query.effective_sort == "relevance" and req.text is not None and req.text.title_rank is None
    )
    return CasePage(query, total, query.page, query.page_size, rows, facets, unranked)


def case_count(*, actor: Actor, query: CaseQuery, db: str = "default") -> int:
    """How many reports `actor` may see match `query` (no page, no facets)."""
    req = _request(actor, query, db)
    if req is None:
        return 0
    masks = [req.mask(f) for f in FACETS if _is_active(f, query)]
    full = req.base
    for mask in masks:
        full = full & mask
    return int(np.count_nonzero(full))


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
