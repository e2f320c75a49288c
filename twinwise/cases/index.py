"""An in-memory columnar index of experience reports (ADR 0009).

The case list filters, counts and orders up to a million reports per request. In SQL the
TLP rule (seven OR-ed branches, two of them subqueries) makes every facet count walk every
visible report; here each report is a row of small integer columns in numpy arrays, the
access rule is `access.rules.case_levels_mask` (the vectorised twin of the `Q` rule,
proven equal to `visible()` by tests/access/test_case_index.py), a filter is a boolean
mask, a count a `bincount`, an order a precomputed permutation. The rows shown are then
read through `access.policy.visible` by primary key, so the index decides what is counted
and in which order, never what is shown.

Freshness: every write to a case or its recipients bumps the `cases` data version inside
its transaction (model signals, apps.py; `mark_changed` for bulk writes); each query compares the stamp (one primary-key lookup).
When it moved, a small index is rebuilt; a large one is patched with the reports changed
since the last load (`updated_at`, with a safety margin for transactions that committed
late) and rebuilt outright when the number of reports no longer adds up.
"""

import bisect
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import numpy as np
from django.db import connections
from django.db.models import Max, TextField
from django.db.models.functions import Cast

from twinwise.access.rules import STATE_CODES, TLP_CODES
from twinwise.accounts.models import Organisation
from twinwise.core import taxonomy, versioning
from twinwise.core.models import DataVersion

from .models import Case, CaseRecipientOrganisation, CaseRecipientUser

STAMP = "cases"
# Renewed when an organisation is saved: its country is the reporters' country.
ORGANISATIONS_STAMP = "organisations"
# Below this many reports a change rebuilds the whole index (milliseconds); above it the
# changed reports are patched in.
FULL_REBUILD_BELOW = 50_000
# A report written by a transaction that committed up to this long after it set
# updated_at is still picked up by the next patch.
PATCH_MARGIN = timedelta(minutes=10)
CHUNK = 100_000
# More changed reports than this since the last load: load everything again.
PATCH_LIMIT = 20_000
# More moved reports than this: sort the orders again rather than place each one.
ORDER_PATCH_LIMIT = 2_000

VOCABULARIES = {
    "case_type": "case_types",
    "counterpart_kind": "counterpart_kinds",
    "response_type": "response_types",
}
_COLUMNS = (
    "id",
    "organisation_id",
    "author_id",
    "tlp",
    "state",
    "anonymous",
    "case_type",
    "counterpart_kind",
    "response_type",
    "occurred_year",
    "occurred_on",
    "topics_text",
    "counterpart_name",
)


def mark_changed() -> None:
    """Renew the stamp: for writes that send no model signal (`.update()`, `bulk_create`,
    raw SQL) — model saves and deletes renew it themselves (apps.py)."""
    versioning.bump(STAMP)


def case_saved(sender, **kwargs) -> None:
    """post_save / post_delete of a case or a recipient row."""
    if not kwargs.get("raw"):
        versioning.bump(STAMP)


def organisation_saved(sender, **kwargs) -> None:
    """post_save of an organisation: its country may have changed."""
    if not kwargs.get("raw"):
        versioning.bump(ORGANISATIONS_STAMP)


def _occurred_key(value: str) -> int:
    """'2024-05-01' → 20240501, '2024-05' → 20240500, '2024' → 20240000, '' → 0: sorts as
    the partial dates compare."""
    digits = (value or "").replace("-", "")
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        return 0
    return int(digits.ljust(8, "0"))


class _Names:
    """Codes for an open list of values (counterpart names, topic sets), stable across
    patches."""

    def __init__(self) -> None:
        self.values: list = []
        self.codes: dict = {}

    def code(self, value) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def copy(self) -> "_Names":
        other = _Names()
        other.values, other.codes = list(self.values), dict(self.codes)
        return other


@dataclass
class CaseSnapshot:
    """The columns of every report, in id order (position i is the i-th smallest id)."""

    stamps: tuple[int, int]
    id: np.ndarray
    organisation: np.ndarray
    author: np.ndarray
    tlp: np.ndarray
    state: np.ndarray
    anonymous: np.ndarray
    case_type: np.ndarray
    counterpart_kind: np.ndarray
    response_type: np.ndarray
    year: np.ndarray
    occurred: np.ndarray
    topics: np.ndarray  # code into topic_sets
    counterpart: np.ndarray
    names: _Names
    topic_sets: _Names  # bitmasks of topics (bit i: taxonomy topic i)
    recipient_orgs: np.ndarray  # (organisation id, case id) sorted by organisation
    recipient_users: np.ndarray  # (user id, case id) sorted by user
    organisation_country: dict[int, str]
    loaded_until: object  # the newest updated_at seen
    cache: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.id)

    def positions_of(self, ids) -> np.ndarray:
        """Per id its position, -1 for ids the index does not hold."""
        ids = np.asarray(ids, np.int64)
        table = self._position_table
        inside = (ids >= 0) & (ids < len(table))
        found = np.full(len(ids), -1, np.int64)
        found[inside] = table[ids[inside]]
        return found

    def positions(self, ids) -> np.ndarray:
        """Positions of the given case ids (ids not in the index are dropped)."""
        found = self.positions_of(ids)
        return found[found >= 0]

    @cached_property
    def _position_table(self) -> np.ndarray:
        """id → position (-1: none); ids are dense in practice, so 4 bytes per id."""
        table = np.full(int(self.id.max()) + 1 if self.n else 0, -1, np.int32)
        table[self.id] = np.arange(self.n, dtype=np.int32)
        return table

    def _recipients(self, pairs: np.ndarray, key: int) -> np.ndarray:
        lo, hi = np.searchsorted(pairs[:, 0], [key, key + 1])
        return self.positions(pairs[lo:hi, 1])

    def shared_with_organisation(self, organisation_id: int) -> np.ndarray:
        return self._recipients(self.recipient_orgs, organisation_id)

    def shared_with_user(self, user_id: int) -> np.ndarray:
        return self._recipients(self.recipient_users, user_id)

    # -- orders: positions, best first ----------------------------------------------------

    def order(self, name: str) -> np.ndarray:
        """Positions in list order: "newest" (year known first, then year, date and id, all
        descending — the list's default) or "oldest" (year known first, then ascending)."""
        key = ("order", name)
        if key not in self.cache:
            year = self.year.astype(np.int32)
            if name == "newest":
                keys = (-self.id, -self.occurred, -year, year == 0)
            else:
                keys = (self.id, self.occurred, year, year == 0)
            self.cache[key] = np.lexsort(keys)
        return self.cache[key]

    def rank(self, name: str) -> np.ndarray:
        """Per position, its place in order(name)."""
        key = ("rank", name)
        if key not in self.cache:
            rank = np.empty(self.n, np.int64)
            rank[self.order(name)] = np.arange(self.n)
            self.cache[key] = rank
        return self.cache[key]

    @cached_property
    def joint_codes(self) -> tuple[np.ndarray, tuple[int, ...]]:
        """One code per report for case type × counterpart kind × response type × TLP ×
        state, so a single bincount counts all five facets."""
        sizes = (
            len(taxonomy.ids("case_types")) + 1,
            len(taxonomy.ids("counterpart_kinds")) + 1,
            len(taxonomy.ids("response_types")) + 1,
            len(TLP_CODES) + 1,
            len(STATE_CODES) + 1,
        )
        columns = (self.case_type, self.counterpart_kind, self.response_type, self.tlp, self.state)
        code = np.zeros(self.n, np.int32)
        for column, size in zip(columns, sizes, strict=True):
            code = code * size + column.astype(np.int32)
        return code, sizes

    @cached_property
    def topic_combos(self) -> tuple[np.ndarray, np.ndarray]:
        """Per position, a code into the distinct topic bitmasks (few: 1–3 of 20 topics)."""
        return self.topics, np.array(self.topic_sets.values, np.uint64)

    @cached_property
    def country_codes(self) -> tuple[np.ndarray, list[str]]:
        """Per position, a code into the returned list of ISO codes ('' for none)."""
        countries = sorted(set(self.organisation_country.values()) | {""})
        index = {c: i for i, c in enumerate(countries)}
        if not self.n:
            return np.zeros(0, np.int32), countries
        table = np.zeros(int(self.organisation.max()) + 1, np.int32)
        for org, country in self.organisation_country.items():
            if org < len(table):
                table[org] = index[country]
        return table[self.organisation], countries


# -- loading ---------------------------------------------------------------------------------


def topic_bits() -> dict[str, int]:
    return {t: 1 << i for i, t in enumerate(taxonomy.ids("topics"))}


class _Encoder:
    """Turns database rows into column chunks, memoising the repeated strings."""

    def __init__(self, names: _Names, topic_sets: _Names) -> None:
        self.names, self.topic_sets = names, topic_sets
        self.vocab = {
            column: {v: i for i, v in enumerate(taxonomy.ids(name))}
            for column, name in VOCABULARIES.items()
        }
        self.tlp = {v: i for i, v in enumerate(TLP_CODES)}
        self.state = {v: i for i, v in enumerate(STATE_CODES)}
        self.bits = topic_bits()
        self.topics: dict[str, int] = {}
        self.occurred: dict[str, int] = {}

    def topic_code(self, text: str | None) -> int:
        """The code of the report's set of topics (its JSON text, memoised)."""
        code = self.topics.get(text or "")
        if code is None:
            try:
                values = json.loads(text or "[]")
            except ValueError:
                values = []
            values = values if isinstance(values, list) else []
            mask = sum(self.bits.get(v, 0) for v in dict.fromkeys(map(str, values)))
            code = self.topics[text or ""] = self.topic_sets.code(mask)
        return code

    def occurred_key(self, value: str) -> int:
        key = self.occurred.get(value)
        if key is None:
            key = self.occurred[value] = _occurred_key(value)
        return key

    def encode(self, rows: list[tuple]) -> dict[str, np.ndarray]:
        cols = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
        (
            ids,
            orgs,
            authors,
            tlps,
            states,
            anon,
            ctype,
            ckind,
            rtype,
            years,
            on,
            topics,
            names,
        ) = cols
        other = {c: len(v) for c, v in self.vocab.items()}
        return {
            "id": np.fromiter(ids, np.int64, len(ids)),
            "organisation": np.fromiter(orgs, np.int64, len(ids)),
            "author": np.fromiter((a or 0 for a in authors), np.int64, len(ids)),
            "tlp": np.fromiter((self.tlp.get(v, len(TLP_CODES)) for v in tlps), np.int8, len(ids)),
            "state": np.fromiter(
                (self.state.get(v, len(STATE_CODES)) for v in states), np.int8, len(ids)
            ),
            "anonymous": np.fromiter(anon, bool, len(ids)),
            **{
                column: np.fromiter(
                    (self.vocab[column].get(v, other[column]) for v in values), np.int16, len(ids)
                )
                for column, values in (
                    ("case_type", ctype),
                    ("counterpart_kind", ckind),
                    ("response_type", rtype),
                )
            },
            "year": np.fromiter((y or 0 for y in years), np.int16, len(ids)),
            "occurred": np.fromiter(map(self.occurred_key, on), np.int64, len(ids)),
            "topics": np.fromiter(map(self.topic_code, topics), np.int32, len(ids)),
            "counterpart": np.fromiter(map(self.names.code, names), np.int32, len(ids)),
        }


ARRAYS = (
    "id",
    "organisation",
    "author",
    "tlp",
    "state",
    "anonymous",
    "case_type",
    "counterpart_kind",
    "response_type",
    "year",
    "occurred",
    "topics",
    "counterpart",
)


def _case_rows(db: str, since=None):
    """Rows of _COLUMNS in id order (all, or changed at or after `since`), in chunks."""
    qs = Case.objects.using(db).annotate(topics_text=Cast("topics", TextField()))
    # A patch reads the few changed rows through the updated_at index, in any order.
    qs = qs.filter(updated_at__gte=since).order_by() if since is not None else qs.order_by("id")
    sql, params = qs.values_list(*_COLUMNS).query.sql_with_params()
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


def _pairs(model, key: str, db: str, case_ids=None) -> np.ndarray:
    qs = model.objects.using(db)
    if case_ids is not None:
        qs = qs.filter(case_id__in=[int(i) for i in case_ids])
    rows = list(qs.order_by().values_list(key, "case_id"))
    return np.asarray(rows, np.int64).reshape(-1, 2)


def _sorted_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted by the first column (the lookup key)."""
    return pairs[np.argsort(pairs[:, 0], kind="stable")]


def _organisation_countries(db: str) -> dict[int, str]:
    return {
        pk: country or ""
        for pk, country in Organisation.objects.using(db).values_list("pk", "country_id")
    }


def _newest_change(db: str):
    return Case.objects.using(db).aggregate(latest=Max("updated_at"))["latest"]


def _build(db: str, stamps: tuple[int, int]) -> CaseSnapshot:
    names, topic_sets = _Names(), _Names()
    encoder = _Encoder(names, topic_sets)
    chunks: list[dict[str, np.ndarray]] = []
    newest = _newest_change(db)  # before reading: a row changed meanwhile is re-read later
    for rows in _case_rows(db):
        chunks.append(encoder.encode(rows))
    if not chunks:
        chunks.append(encoder.encode([]))
    columns = {name: np.concatenate([c[name] for c in chunks]) for name in ARRAYS}
    return CaseSnapshot(
        stamps=stamps,
        **columns,
        names=names,
        topic_sets=topic_sets,
        recipient_orgs=_sorted_pairs(_pairs(CaseRecipientOrganisation, "organisation_id", db)),
        recipient_users=_sorted_pairs(_pairs(CaseRecipientUser, "user_id", db)),
        organisation_country=_organisation_countries(db),
        loaded_until=newest,
    )


def _patch(old: CaseSnapshot, db: str, stamps: tuple[int, int]) -> CaseSnapshot | None:
    """`old` with the reports changed since it was loaded; None when a rebuild is needed."""
    if old.loaded_until is None:
        return None
    newest = _newest_change(db)
    names, topic_sets = old.names.copy(), old.topic_sets.copy()
    encoder = _Encoder(names, topic_sets)
    rows = [row for chunk in _case_rows(db, since=old.loaded_until - PATCH_MARGIN) for row in chunk]
    if len(rows) > PATCH_LIMIT:
        return None  # a bulk import: loading everything again is as quick
    changed = encoder.encode(rows)
    columns = {name: getattr(old, name) for name in ARRAYS}
    moved = np.zeros(0, np.intp)  # positions whose place in the orders may have changed
    if len(rows):
        # Only called for a large index, so old.n > 0 and a clipped position is valid.
        pos = np.minimum(np.searchsorted(old.id, changed["id"]), old.n - 1)
        known = old.id[pos] == changed["id"]
        columns = {name: array.copy() for name, array in columns.items()}
        for name in ARRAYS:
            columns[name][pos[known]] = changed[name][known]
            columns[name] = np.concatenate([columns[name], changed[name][~known]])
        moved = np.concatenate([pos[known], np.arange(old.n, len(columns["id"]))])
        if not np.all(columns["id"][1:] > columns["id"][:-1]):
            order = np.argsort(columns["id"], kind="stable")
            columns = {name: array[order] for name, array in columns.items()}
            moved = None  # positions shifted: the orders are computed afresh
    if len(columns["id"]) != Case.objects.using(db).count():
        return None  # reports were deleted (or a transaction rolled back): start again
    case_ids = changed["id"]
    recipient_orgs, recipient_users = old.recipient_orgs, old.recipient_users
    if len(case_ids):
        recipient_orgs = _replace_pairs(
            old.recipient_orgs,
            case_ids,
            _pairs(CaseRecipientOrganisation, "organisation_id", db, case_ids),
        )
        recipient_users = _replace_pairs(
            old.recipient_users, case_ids, _pairs(CaseRecipientUser, "user_id", db, case_ids)
        )
    snap = CaseSnapshot(
        stamps=stamps,
        **columns,
        names=names,
        topic_sets=topic_sets,
        recipient_orgs=recipient_orgs,
        recipient_users=recipient_users,
        organisation_country=_organisation_countries(db),
        loaded_until=newest,
    )
    if moved is not None and len(moved) <= ORDER_PATCH_LIMIT:
        for name in ("newest", "oldest"):
            if ("order", name) in old.cache:
                snap.cache["order", name] = _patched_order(
                    snap, old.cache["order", name], moved, name
                )
    return snap


def _sort_key(snap: "CaseSnapshot", name: str):
    """The list order of one position as a tuple (the same keys `CaseSnapshot.order` sorts)."""
    year, occurred, ids = snap.year, snap.occurred, snap.id
    if name == "newest":
        return lambda p: (year[p] == 0, -int(year[p]), -int(occurred[p]), -int(ids[p]))
    return lambda p: (year[p] == 0, int(year[p]), int(occurred[p]), int(ids[p]))


def _patched_order(snap: "CaseSnapshot", old_order: np.ndarray, moved, name: str) -> np.ndarray:
    """`old_order` with the moved positions taken out and put back where they now belong:
    a binary search each instead of sorting a million rows again."""
    is_moved = np.zeros(snap.n, bool)
    is_moved[moved] = True
    rest = old_order[~is_moved[old_order]]
    key = _sort_key(snap, name)
    placed = sorted(int(p) for p in np.unique(moved))
    placed.sort(key=key)
    at = [bisect.bisect_left(rest, key(p), key=key) for p in placed]
    return np.insert(rest, at, placed)


def _replace_pairs(pairs: np.ndarray, case_ids: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """`pairs` with the rows of `case_ids` replaced by `fresh`, still sorted by key."""
    kept = pairs[~np.isin(pairs[:, 1], case_ids)]
    fresh = _sorted_pairs(fresh)
    return np.insert(kept, np.searchsorted(kept[:, 0], fresh[:, 0]), fresh, axis=0)


# -- the current snapshot -----------------------------------------------------------------------

_lock = threading.Lock()
_snapshots: dict[str, CaseSnapshot] = {}


def _stamps(db: str) -> tuple[int, int]:
    found = dict(
        DataVersion.objects.using(db)
        .filter(name__in=(STAMP, ORGANISATIONS_STAMP))
        .values_list("name", "version")
    )
    return found.get(STAMP, 0), found.get(ORGANISATIONS_STAMP, 0)


def case_index(db: str = "default") -> CaseSnapshot:
    """The current snapshot of every report, refreshed when a write moved the stamps."""
    stamps = _stamps(db)
    snap = _snapshots.get(db)
    if snap is not None and snap.stamps == stamps:
        return snap
    with _lock:
        snap = _snapshots.get(db)
        if snap is None or snap.stamps != stamps:
            fresh = None
            if snap is not None and snap.n >= FULL_REBUILD_BELOW:
                fresh = _patch(snap, db, stamps)
            snap = _snapshots[db] = fresh if fresh is not None else _build(db, stamps)
        return snap
