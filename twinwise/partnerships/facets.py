"""A columnar, in-memory index of the registry for fast faceted search.

Why: the registry page asks for 9 facet counts plus one page of rows on every change of a
filter. Done in SQL that is 9 aggregate scans of the partnership table — seconds at 1M
rows on SQLite (docs/performance.md). Here each facet is a small-integer numpy column, a
filter is a boolean mask and a facet count is one `bincount`, so a query at 1M rows takes
a few tens of ms. The index is rebuilt when the `partnerships` data version changes
(core.versioning), so a write in any process is picked up by every worker. ADR 0005
records the choice and the measured cost (build time, memory).

Facet counts are disjunctive: the counts of one facet apply every *other* active filter,
so each count says how many rows that value would give if added.
"""

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from twinwise.core import taxonomy
from twinwise.core.versioning import current
from twinwise.directory.models import Counterpart, Place

DATA_SET = "partnerships"
FACETS = (
    "side",
    "counterpart",
    "province",
    "country",
    "region",
    "kind",
    "status",
    "domain",
    "decade",
)
# How many filter sets keep their facet counts per snapshot (~0.5 MB each at 1M rows).
FACET_CACHE_SIZE = 128
SORTS = ("counterpart", "local", "signed")
REPORTED = "reported"  # the status value for "no source says what state the tie is in"
UNKNOWN_DECADE = "unknown"
SIDES = ("mainland", "sar", "taiwan", "none")
REGIONS = ("europe", "north-america", "latin-america", "asia", "africa", "oceania")

# Facets with few values (at most a few dozen each). Their counts for the unfiltered ones
# come from a single bincount over one combined code (see `_joint_code`), instead of one
# pass over the rows per facet.
SMALL_FACETS = ("side", "region", "kind", "status", "decade")
# Facets with hundreds or thousands of values: counted with bincount over an intp copy of
# the column (bincount would otherwise convert the selected values on every request).
WIDE_FACETS = ("country", "province", "counterpart")
# Rows fetched per round trip while building: bounds the Python tuples alive at once
# (a single fetchall of 1M 14-column rows peaked at 1.9 GB; chunks keep it ~400 MB).
FETCH_CHUNK = 100_000


@dataclass(frozen=True)
class Filters:
    """Active filters; each facet tuple is OR-ed within, facets are AND-ed together."""

    q_place_ids: tuple[int, ...] | None = None  # None: no text search; () : search found nothing
    q_country_codes: tuple[str, ...] = ()
    scope: str = "china"  # "china": only ties with a Chinese side; "all": every tie
    side: tuple[str, ...] = ()
    counterpart: tuple[int, ...] = ()
    province: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    domain: tuple[str, ...] = ()
    decade: tuple[str, ...] = ()


@dataclass
class EngineResult:
    total: int
    ids: list[int]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class _Vocabulary:
    """Maps values to small integer codes; code 0 is reserved for 'none'."""

    def __init__(self, values=()):
        self.values: list[str] = [""]
        self.codes: dict[str, int] = {"": 0}
        for value in values:
            self.code(value)

    def code(self, value: str) -> int:
        value = value or ""
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.values)
            self.values.append(value)
        return found

    def lookup(self, value: str) -> int | None:
        return self.codes.get(value)

    def encode(self, values, dtype) -> np.ndarray:
        """Codes for a column of values; one dict lookup per row, new values coded first."""
        codes = self.codes
        for value in dict.fromkeys(values):
            if value not in codes:
                codes[value] = self.code(value)  # None gets the code of ""
        return np.fromiter(map(self.codes.__getitem__, values), dtype, len(values))


# The columns `_encode_chunk` makes, with their types (an empty registry needs them too).
_COLUMN_TYPES = {
    "id": np.int64,
    "tlp": np.int8,
    "local": np.int32,
    "counterpart": np.int32,
    "country": np.int16,
    "region": np.int8,
    "side": np.int8,
    "province": np.int16,
    "kind": np.int8,
    "status": np.int8,
    "domain": np.int32,
    "decade": np.int16,
    "signed": np.int32,
    "org": np.int32,
}

# One row per partnership, with the attributes of both places it needs. Names are not
# fetched: sort ranks come from the ~34,000 place names, not from 1M row names.
_SQL = """
SELECT p.id, p.tlp, p.local_id, COALESCE(p.counterpart_id, 0), lp.country_id, lc.region,
       cc.china_side, COALESCE(cp.province, ''), p.kind, p.status, p.domains, p.signed_year,
       p.signed_on, COALESCE(p.counterpart_org_id, 0)
FROM partnerships_partnership p
JOIN directory_place lp ON lp.id = p.local_id
JOIN directory_country lc ON lc.iso2 = lp.country_id
LEFT JOIN directory_place cp ON cp.id = p.counterpart_id
LEFT JOIN directory_counterpart co ON co.id = p.counterpart_org_id
JOIN directory_country cc ON cc.iso2 = COALESCE(cp.country_id, co.country_id)
ORDER BY p.id
"""


class RegistryIndex:
    """One immutable snapshot of the registry's facet columns, and the search over it."""

    def __init__(self, version: int):
        self.version = version
        self.tlp = _Vocabulary(taxonomy.ids("tlp_levels"))
        self.country = _Vocabulary()
        self.region = _Vocabulary(REGIONS)
        self.side = _Vocabulary(SIDES)
        self.province = _Vocabulary()
        self.kind = _Vocabulary(taxonomy.ids("partnership_kinds"))
        self.status = _Vocabulary((REPORTED, *taxonomy.ids("partnership_statuses")))
        self.decade = _Vocabulary((UNKNOWN_DECADE,))
        self.domain_bits = {d: 1 << i for i, d in enumerate(taxonomy.ids("partnership_domains"))}
        # Per-snapshot caches: base masks per (levels, scope) here, and `memo` for callers
        # (facet labels in selectors). Both go away with the snapshot when the data changes.
        self._base_cache: dict[tuple[frozenset[str], str], np.ndarray] = {}
        self._facet_cache: OrderedDict = OrderedDict()
        self._facet_cache_lock = threading.Lock()
        self.memo: dict = {}
        org = self._load()
        self.order = self._orders(org)
        self._prepare_search()

    # -- building -------------------------------------------------------------------

    def _load(self) -> np.ndarray:
        """Fill the columns chunk by chunk; returns the organisation column (sorting only)."""
        parts: dict[str, list[np.ndarray]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_SQL)
            while rows := cursor.fetchmany(FETCH_CHUNK):
                for name, array in self._encode_chunk(rows).items():
                    parts.setdefault(name, []).append(array)
                del rows  # free the tuples before the next chunk arrives
        if parts:
            cols = {name: np.concatenate(arrays) for name, arrays in parts.items()}
        else:  # an empty registry
            cols = {name: np.zeros(0, dtype) for name, dtype in _COLUMN_TYPES.items()}
        self.ids = cols.pop("id")
        self.n = int(self.ids.size)
        org = cols.pop("org")
        self.cols = cols
        return org

    def _encode_chunk(self, rows) -> dict[str, np.ndarray]:
        """One chunk of rows as numpy columns (transposed once, then column by column)."""
        (ids, tlp, local, cp, country, region, side, province, kind, status, domains, year,
         signed_on, org) = zip(*rows, strict=True)  # fmt: skip
        n = len(rows)
        return {
            "id": np.fromiter(ids, np.int64, n),
            "tlp": self.tlp.encode(tlp, np.int8),
            "local": np.fromiter(local, np.int32, n),
            "counterpart": np.fromiter(cp, np.int32, n),
            "country": self.country.encode(country, np.int16),
            "region": self.region.encode(region, np.int8),
            "side": self.side.encode([s or "none" for s in side], np.int8),
            "province": self.province.encode(province, np.int16),
            "kind": self.kind.encode(kind, np.int8),
            "status": self.status.encode([s or REPORTED for s in status], np.int8),
            # Few distinct values (JSON lists of domains, dates): compute each once.
            "domain": _memoised(self._domain_mask, domains, np.int32),
            "decade": self.decade.encode([_decade(y) for y in year], np.int16),
            "signed": _memoised(_sortable_date, signed_on, np.int32),
            "org": np.fromiter(org, np.int32, n),
        }

    def _domain_mask(self, domains) -> int:
        if isinstance(domains, str):
            domains = json.loads(domains or "[]")
        mask = 0
        for domain in domains or ():
            mask |= self.domain_bits.get(domain, 0)
        return mask

    def _orders(self, org: np.ndarray) -> dict[str, np.ndarray]:
        """Row permutations for each sort, computed once per snapshot.

        Names are ranked once over places and organisations together (equal names share a
        rank, so lexsort's second key really breaks ties), then looked up per row by id.
        """
        places = list(Place.objects.values_list("id", "name"))
        orgs = list(Counterpart.objects.values_list("id", "name"))
        names = sorted({name.casefold() for _pk, name in places + orgs})
        rank = {name: i for i, name in enumerate(names)}
        place_rank = _rank_table(places, rank)
        org_rank = _rank_table(orgs, rank)
        cp = self.cols["counterpart"]
        rank_local = place_rank[self.cols["local"]]
        rank_cp = np.where(cp > 0, place_rank[cp], org_rank[np.minimum(org, org_rank.size - 1)])
        return {
            "counterpart": np.lexsort((rank_local, rank_cp)),
            "local": np.lexsort((rank_cp, rank_local)),
            # Newest signed first; unknown dates (0) last.
            "signed": np.lexsort((rank_cp, -self.cols["signed"])),
        }

    def _prepare_search(self) -> None:
        """Derived columns that make each search cheaper (~30 bytes a row)."""
        cols = self.cols
        self._small_sizes = [len(getattr(self, f).values) for f in SMALL_FACETS]
        self._joint, self._joint_cells = _joint_code(cols, SMALL_FACETS, self._small_sizes)
        self._wide = {f: cols[f].astype(np.intp) for f in WIDE_FACETS}
        self._chinese = cols["side"] != self.side.lookup("none")
        # Text search marks place ids in a table this long.
        self._place_id_limit = (
            int(max(cols["local"].max(initial=0), cols["counterpart"].max(initial=0))) + 1
        )

    # -- masks ----------------------------------------------------------------------

    def _codes(self, vocab: _Vocabulary, values) -> list[int]:
        return [c for c in (vocab.lookup(v) for v in values) if c is not None]

    def _lut_mask(self, column: str, codes) -> np.ndarray:
        """Rows whose code is one of `codes`: a lookup table indexed by the column.

        Faster than np.isin (no sort); codes outside the column's range match nothing, so a
        huge id in a URL cannot make a huge table.
        """
        col = self.cols[column]
        lut = np.zeros(int(col.max(initial=0)) + 1, bool)
        lut[[c for c in codes if 0 < c < lut.size]] = True
        return lut[col]

    def _facet_mask(self, facet: str, f: Filters) -> np.ndarray | None:
        """The mask for one facet's active values, or None when that facet is not filtered."""
        values = getattr(f, facet)
        if not values:
            return None
        if facet == "counterpart":
            return self._lut_mask("counterpart", values)
        if facet == "domain":
            bits = 0
            for d in values:
                bits |= self.domain_bits.get(d, 0)
            return (self.cols["domain"] & bits) != 0
        return self._lut_mask(facet, self._codes(getattr(self, facet), values))

    def _base_mask(self, f: Filters, levels: frozenset[str]) -> np.ndarray:
        """Access level, scope and text search: filters that no facet count ignores.

        The access/scope part is the same for every request of one kind of visitor, so it
        is computed once per snapshot (read-only: callers copy before narrowing it).
        """
        key = (frozenset(levels), f.scope)
        base = self._base_cache.get(key)
        if base is None:
            base = self._lut_mask("tlp", self._codes(self.tlp, levels))
            if f.scope == "china":
                base &= self._chinese
            base.flags.writeable = False
            self._base_cache[key] = base
        if f.q_place_ids is None:
            return base
        return base & self._text_mask(f)

    def _text_mask(self, f: Filters) -> np.ndarray:
        """Rows where either place matched the text search (or the local country did)."""
        hit = np.zeros(self._place_id_limit, bool)
        hit[[i for i in f.q_place_ids if 0 <= i < hit.size]] = True
        text = hit[self.cols["local"]] | hit[self.cols["counterpart"]]
        if f.q_country_codes:
            text |= self._lut_mask("country", self._codes(self.country, f.q_country_codes))
        return text

    # -- querying -------------------------------------------------------------------

    def search(
        self,
        f: Filters,
        levels: frozenset[str],
        *,
        sort: str,
        offset: int,
        limit: int,
        facets: bool = True,
    ) -> EngineResult:
        base = self._base_mask(f, levels)
        masks = {facet: self._facet_mask(facet, f) for facet in FACETS}
        full = _and_all(base, masks.values())
        order = self.order.get(sort, self.order["counterpart"])
        positions = np.flatnonzero(full[order])
        page_rows = order[positions[offset : offset + limit]]
        result = EngineResult(total=int(positions.size), ids=self.ids[page_rows].tolist())
        if facets:
            result.facets = self._cached_facet_counts((f, levels), base, masks, full)
        return result

    def _cached_facet_counts(self, key, base, masks, full) -> dict[str, list[tuple[str, int]]]:
        """Facet counts are the costly part and the same for every page and sort of a filter
        set; the most recent sets are kept for this snapshot (a write makes a new snapshot)."""
        with self._facet_cache_lock:
            cached = self._facet_cache.get(key)
            if cached is not None:
                self._facet_cache.move_to_end(key)
                return cached
        counts = self._facet_counts(base, masks, full)
        with self._facet_cache_lock:
            self._facet_cache[key] = counts
            while len(self._facet_cache) > FACET_CACHE_SIZE:
                self._facet_cache.popitem(last=False)
        return counts

    def _facet_counts(self, base, masks, full) -> dict[str, list[tuple[str, int]]]:
        """Disjunctive counts: a filtered facet is counted under every filter but its own."""
        joint = None
        counts: dict[str, list[tuple[str, int]]] = {}
        for facet in FACETS:
            if masks[facet] is not None:
                others = (m for other, m in masks.items() if other != facet)
                counts[facet] = self._counts(facet, _and_all(base, others))
            elif facet in SMALL_FACETS:
                if joint is None:  # one pass serves every unfiltered small facet
                    joint = self._joint_counts(full)
                counts[facet] = self._pairs(facet, self._marginal(joint, facet))
            else:
                counts[facet] = self._counts(facet, full)
        return counts

    def _joint_counts(self, mask: np.ndarray) -> np.ndarray:
        """Counts of every side×region×kind×status×decade combination, one axis per facet."""
        flat = np.bincount(self._joint[mask], minlength=self._joint_cells)
        return flat.reshape(self._small_sizes[::-1])  # the first facet varies fastest

    def _marginal(self, joint: np.ndarray, facet: str) -> np.ndarray:
        axis = len(SMALL_FACETS) - 1 - SMALL_FACETS.index(facet)
        return joint.sum(axis=tuple(a for a in range(joint.ndim) if a != axis))

    def _counts(self, facet: str, mask: np.ndarray) -> list[tuple[str, int]]:
        if facet == "domain":
            return self._domain_counts(mask)
        if facet == "counterpart":
            # Counterparts are listed for the Chinese side only; 0 (an organisation) is none.
            counts = np.bincount(self._wide["counterpart"][mask & self._chinese])
            return [(str(i), int(counts[i])) for i in np.flatnonzero(counts).tolist() if i]
        size = len(getattr(self, facet).values)
        if facet in WIDE_FACETS:
            values = self._wide[facet][mask]
        else:
            values = self.cols[facet][mask].astype(np.intp)
        return self._pairs(facet, np.bincount(values, minlength=size))

    def _domain_counts(self, mask: np.ndarray) -> list[tuple[str, int]]:
        """A row counts for each of its domains: count the bit combinations, then per bit."""
        combos = np.bincount(self.cols["domain"][mask], minlength=1 << len(self.domain_bits))
        has = np.arange(combos.size)
        return [(d, int(combos[(has & bit) != 0].sum())) for d, bit in self.domain_bits.items()]

    def _pairs(self, facet: str, counts: np.ndarray) -> list[tuple[str, int]]:
        vocab = getattr(self, facet)
        return [
            (vocab.values[code], int(c)) for code, c in enumerate(counts.tolist()) if code and c
        ]


def _and_all(base: np.ndarray, masks) -> np.ndarray:
    """A new mask: `base` AND every mask that is not None (base itself is not changed)."""
    out = base.copy()
    for m in masks:
        if m is not None:
            out &= m
    return out


def _joint_code(cols, facets: tuple[str, ...], sizes: list[int]) -> tuple[np.ndarray, int]:
    """Each row's combination of the small facets' codes as one integer (mixed radix)."""
    joint = np.zeros(len(cols[facets[0]]), np.int64)
    step = 1
    for facet, size in zip(facets, sizes, strict=True):
        joint += cols[facet].astype(np.int64) * step
        step *= size
    return joint.astype(np.intp), step


def _memoised(fn, values, dtype) -> np.ndarray:
    try:
        cache = {v: fn(v) for v in set(values)}
    except TypeError:  # unhashable values (PostgreSQL returns JSON lists as lists)
        return np.fromiter(map(fn, values), dtype, len(values))
    return np.fromiter(map(cache.__getitem__, values), dtype, len(values))


def _rank_table(pairs: list[tuple[int, str]], rank: dict[str, int]) -> np.ndarray:
    """Name rank indexed by primary key (0 for ids that do not exist)."""
    table = np.zeros(max((pk for pk, _name in pairs), default=0) + 1, np.int32)
    for pk, name in pairs:
        table[pk] = rank[name.casefold()]
    return table


def _decade(year: int | None) -> str:
    return f"{year // 10 * 10}" if year else UNKNOWN_DECADE


def _sortable_date(value: str | None) -> int:
    """'2016-03-29' → 20160329, '2016' → 20160000, '' → 0."""
    if not value:
        return 0
    parts = ([*value.split("-"), "0", "0"])[:3]
    try:
        return int(parts[0]) * 10000 + int(parts[1]) * 100 + int(parts[2])
    except ValueError:
        return 0


_lock = threading.Lock()
_snapshot: RegistryIndex | None = None


def get_index() -> RegistryIndex:
    """The current snapshot, rebuilt when the data version moved since it was built."""
    global _snapshot
    version = current(DATA_SET)
    snap = _snapshot
    if snap is not None and snap.version == version:
        return snap
    with _lock:
        if _snapshot is None or _snapshot.version != version:
            _snapshot = RegistryIndex(version)
        return _snapshot


def latest_index() -> RegistryIndex:
    """The snapshot `get_index()` last returned, without asking the database again.

    For per-snapshot caches of a request that has just called `get_index()`.
    """
    return _snapshot if _snapshot is not None else get_index()
