"""Evidence for docs/performance.md: how much faster facets.py could be, checked for equality.

    python bench/prototype_index.py    # after bench/generate.py; ~2 minutes at 1M rows

Not application code. Two prototypes, each compared with twinwise's own code on the
benchmark database:

A. `FastIndex`: the same `RegistryIndex` columns, built vectorised — chunked fetchmany
   instead of one fetchall of 1M tuples, one dict lookup per value instead of a method call
   (`_Vocabulary.code`), the domains mask and the sortable date memoised per distinct
   string (32 and ~20,000 of them at 1M rows), numpy arrays filled once per chunk
   instead of element by element, and sort ranks computed over the ~34,000 place names
   instead of 1M row names. Checked: ids and every column decode to the same values, and
   the three sort orders are the same permutations.

B. `FastEngine`: the same `search()` answer (total, page ids, every facet count) with the
   public base mask cached per snapshot, lookup-table masks instead of `np.isin`, one
   joint `bincount` for the five small facets (side, region, kind, status, decade) and
   `bincount` instead of `np.unique` for counterparts. Checked on every facet mix.

The prototype builds first (so its peak memory is measured before the app's), then the
app's index, then compares.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import mixes as mixes_mod  # noqa: E402
from generate import DB_PATH  # noqa: E402
from loadgen import percentile  # noqa: E402
from profile_twinwise import _filters, _memory_kb, _setup_django, reset_stats  # noqa: E402

_setup_django()

from django.db import connection  # noqa: E402

from twinwise.core.versioning import current  # noqa: E402
from twinwise.partnerships import facets  # noqa: E402

FAST_SQL = """
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
CHUNK = 100_000


def _encode(vocab, values, dtype) -> np.ndarray:
    for value in dict.fromkeys(values):  # new values get codes in order of first appearance
        vocab.code(value)
    return np.fromiter(map(vocab.codes.__getitem__, values), dtype, len(values))


def _memo(fn, values, dtype) -> np.ndarray:
    cache = {v: fn(v) for v in set(values)}
    return np.fromiter(map(cache.__getitem__, values), dtype, len(values))


class FastIndex(facets.RegistryIndex):
    def _load(self) -> None:
        parts: dict[str, list[np.ndarray]] = {}
        with connection.cursor() as cursor:
            cursor.execute(FAST_SQL)
            while rows := cursor.fetchmany(CHUNK):
                for name, array in self._chunk(rows).items():
                    parts.setdefault(name, []).append(array)
        columns = {name: np.concatenate(arrays) for name, arrays in parts.items()}
        self.ids = columns.pop("id")
        org = columns.pop("org")
        self.n = int(self.ids.size)
        self.cols = columns
        self.order = self._fast_orders(org)

    def _chunk(self, rows) -> dict[str, np.ndarray]:
        c = list(zip(*rows, strict=True))
        n = len(rows)
        years = c[11]

        def decade(y):
            return f"{y // 10 * 10}" if y else facets.UNKNOWN_DECADE

        return {
            "id": np.fromiter(c[0], np.int64, n),
            "tlp": _encode(self.tlp, c[1], np.int8),
            "local": np.fromiter(c[2], np.int32, n),
            "counterpart": np.fromiter(c[3], np.int32, n),
            "country": _encode(self.country, c[4], np.int16),
            "region": _encode(self.region, c[5], np.int8),
            "side": _encode(self.side, [s or "none" for s in c[6]], np.int8),
            "province": _encode(self.province, c[7], np.int16),
            "kind": _encode(self.kind, c[8], np.int8),
            "status": _encode(self.status, [s or facets.REPORTED for s in c[9]], np.int8),
            "domain": _memo(self._domain_mask, c[10], np.int32),
            "decade": _encode(self.decade, [decade(y) for y in years], np.int16),
            "signed": _memo(facets._sortable_date, c[12], np.int32),
            "org": np.fromiter(c[13], np.int32, n),
        }

    def _fast_orders(self, org: np.ndarray) -> dict[str, np.ndarray]:
        from twinwise.directory.models import Counterpart, Place

        places = list(Place.objects.values_list("id", "name"))
        orgs = list(Counterpart.objects.values_list("id", "name"))
        # One dense rank over place and organisation names: equal names, equal rank, so
        # lexsort's second key really breaks ties.
        rank = {n: i for i, n in enumerate(sorted({n.casefold() for _pk, n in places + orgs}))}

        def table(pairs) -> np.ndarray:
            t = np.zeros(max((pk for pk, _n in pairs), default=0) + 1, np.int32)
            for pk, name in pairs:
                t[pk] = rank[name.casefold()]
            return t

        place_rank, org_rank = table(places), table(orgs)
        cp = self.cols["counterpart"]
        rank_local = place_rank[self.cols["local"]]
        rank_cp = np.where(cp > 0, place_rank[cp], org_rank[np.minimum(org, org_rank.size - 1)])
        return {
            "counterpart": np.lexsort((rank_local, rank_cp)),
            "local": np.lexsort((rank_cp, rank_local)),
            "signed": np.lexsort((rank_cp, -self.cols["signed"])),
        }


class FastEngine:
    """`RegistryIndex.search` with the same answers and fewer passes over the columns."""

    SMALL = ("side", "region", "kind", "status", "decade")

    def __init__(self, index: facets.RegistryIndex):
        self.ix = index
        cols = index.cols
        self.sizes = [len(getattr(index, f).values) for f in self.SMALL]
        joint = np.zeros(index.n, np.int32)
        step = 1
        for facet, size in zip(self.SMALL, self.sizes, strict=True):
            joint += cols[facet].astype(np.int32) * step
            step *= size
        self.joint, self.cells = joint, step
        self.wide = {f: cols[f].astype(np.intp) for f in ("country", "province", "counterpart")}
        self.chinese = cols["side"] != index.side.lookup("none")
        self.base_cache: dict = {}

    def _lut_mask(self, facet: str, codes) -> np.ndarray:
        col = self.ix.cols[facet]
        size = int(col.max(initial=0)) + 1
        lut = np.zeros(max(size, *(c + 1 for c in codes)) if codes else size, bool)
        lut[list(codes)] = True
        return lut[col]

    def _facet_mask(self, facet: str, f) -> np.ndarray | None:
        ix = self.ix
        if facet == "counterpart":
            return self._lut_mask("counterpart", f.counterpart) if f.counterpart else None
        if facet == "domain":
            return ix._facet_mask(facet, f)
        values = getattr(f, facet)
        if not values:
            return None
        return self._lut_mask(facet, ix._codes(getattr(ix, facet), values))

    def _base(self, f, levels) -> np.ndarray:
        if f.q_place_ids is not None:
            return self.ix._base_mask(f, levels)
        key = (levels, f.scope)
        if key not in self.base_cache:
            self.base_cache[key] = self.ix._base_mask(f, levels)
        return self.base_cache[key]

    def search(self, f, levels, *, sort, offset, limit):
        ix = self.ix
        base = self._base(f, levels)
        masks = {facet: self._facet_mask(facet, f) for facet in facets.FACETS}
        full = base.copy()
        for m in masks.values():
            if m is not None:
                full &= m
        order = ix.order.get(sort, ix.order["counterpart"])
        positions = np.flatnonzero(full[order])
        result = facets.EngineResult(
            total=int(positions.size),
            ids=[int(x) for x in ix.ids[order[positions[offset : offset + limit]]]],
        )
        joint = None
        for facet in facets.FACETS:
            if masks[facet] is None:
                sub = full
            else:
                sub = base.copy()
                for other, m in masks.items():
                    if other != facet and m is not None:
                        sub &= m
            if facet in self.SMALL and masks[facet] is None:
                if joint is None:
                    joint = np.bincount(self.joint[full], minlength=self.cells).reshape(
                        self.sizes[::-1]
                    )
                axis = len(self.SMALL) - 1 - self.SMALL.index(facet)
                other_axes = tuple(a for a in range(len(self.SMALL)) if a != axis)
                counts = joint.sum(axis=other_axes)
                result.facets[facet] = self._pairs(facet, counts)
            else:
                result.facets[facet] = self._counts(facet, sub)
        return result

    def _pairs(self, facet, counts):
        vocab = getattr(self.ix, facet)
        return [(vocab.values[code], int(c)) for code, c in enumerate(counts) if code and c]

    def _counts(self, facet, mask):
        if facet == "domain":
            return self.ix._counts(facet, mask)
        if facet == "counterpart":
            counts = np.bincount(self.wide["counterpart"][mask & self.chinese])
            return [(str(int(i)), int(counts[i])) for i in np.flatnonzero(counts)]
        if facet in self.wide:
            counts = np.bincount(
                self.wide[facet][mask], minlength=len(getattr(self.ix, facet).values)
            )
        else:
            col = self.ix.cols[facet][mask]
            counts = np.bincount(col.astype(np.intp), minlength=len(getattr(self.ix, facet).values))
        return self._pairs(facet, counts)


def _timed(fn, *args, repeat: int = 3, **kwargs):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return result, min(times)


def main() -> int:
    reset_stats(DB_PATH)
    version = current(facets.DATA_SET)
    out: dict = {}

    before = _memory_kb()
    t = time.perf_counter()
    fast = FastIndex(version)
    out["fast_build_s"] = time.perf_counter() - t
    out["fast_build_peak_rss_mb"] = _memory_kb()["VmHWM"] / 1024
    out["rss_before_mb"] = before["VmRSS"] / 1024
    print(json.dumps(out), flush=True)

    t = time.perf_counter()
    app = facets.RegistryIndex(version)
    out["app_build_s"] = time.perf_counter() - t
    out["app_build_peak_rss_mb"] = _memory_kb()["VmHWM"] / 1024

    same = bool(np.array_equal(app.ids, fast.ids))
    for name, col in app.cols.items():
        vocab = getattr(app, name, None)
        if isinstance(vocab, facets._Vocabulary):
            a = np.asarray(vocab.values, dtype=object)[col]
            b = np.asarray(getattr(fast, name).values, dtype=object)[fast.cols[name]]
            same &= bool((a == b).all())
        else:
            same &= bool(np.array_equal(col, fast.cols[name]))
    out["columns_identical"] = same
    # Sort orders: place-name ranks (34k names) must give the very same permutations as
    # the app's ranks over 1M row names.
    out["orders_identical"] = all(
        np.array_equal(app.order[k], fast.order[k]) for k in ("counterpart", "local", "signed")
    )

    engine = FastEngine(app)
    levels = frozenset({"clear"})
    app_times, fast_times, equal = [], [], True
    for mix in mixes_mod.build(DB_PATH):
        if mix.is_text:
            continue
        f = _filters(mix)
        a, ta = _timed(app.search, f, levels, sort="counterpart", offset=0, limit=20)
        b, tb = _timed(engine.search, f, levels, sort="counterpart", offset=0, limit=20)
        equal &= a.total == b.total and a.ids == b.ids and a.facets == b.facets
        app_times.append(ta)
        fast_times.append(tb)
    out["engine_results_identical"] = equal
    for name, times in (("app", app_times), ("fast", fast_times)):
        s = sorted(times)
        out[f"engine_{name}_mean_ms"] = sum(s) / len(s) * 1000
        out[f"engine_{name}_p50_ms"] = percentile(s, 50) * 1000
        out[f"engine_{name}_p95_ms"] = percentile(s, 95) * 1000
    print(json.dumps(out, indent=2))
    (BENCH_DIR / "out" / "prototype.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
