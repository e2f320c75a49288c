"""The in-memory similarity index: every embedded case as a row of numpy arrays (ADR 0017).

Why: "which of a million reports are most like this one" is a scan. In SQL that is a
million vector reads per question; here it is one matrix-vector product over a float32
matrix plus a few integer comparisons for the structured signals, and an argpartition.

What a row holds: the case id, its vector (the 512-dimension embedding; above
`FULL_DIMS_LIMIT` cases it is projected onto the 32 main directions of a sample — PCA — so
a million rows take 128 MB and one scan ~20 ms of CPU; exact 512-dimension scores are computed
afterwards for the few hundred candidates), and small-integer codes of its counterpart,
counterpart kind, case type, channel, response and topics (a bit mask).

The index knows nothing about who may see what. It only proposes candidate ids, best first;
`selectors.case_similar_list` keeps those the access policy returns for the asker. So the
index may hold every case, and nothing leaves it that the policy did not pass.

Freshness: writes of embeddings bump the `similar` data version (core.versioning). A process
whose index is older loads only the rows changed since its last load (`updated_at` at or
after its watermark) and patches them in; a full load happens once per process.
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .embedding import DIMENSIONS

FULL_DIMS_LIMIT = 50_000
REDUCED_DIMS = 32
PCA_SAMPLE = 20_000
# Structured signals: how much each adds to a score (the semantic part weighs the rest).
SIGNAL_WEIGHTS = {
    "counterpart": 0.14,
    "counterpart_kind": 0.06,
    "case_type": 0.08,
    "topics": 0.12,
    "channel": 0.02,
    "response_type": 0.03,
}
SEMANTIC_WEIGHT = 0.45
CATEGORICAL = ("counterpart", "counterpart_kind", "case_type", "channel", "response_type")
# The scan leaves out the lightest signals (channel, response: 0.05 together); the exact
# re-scoring of the candidates counts them.
SCANNED = ("counterpart", "counterpart_kind", "case_type")


class Row(NamedTuple):
    """One case as the index loads it (a tuple: a million of them are made per load)."""

    case_id: int
    vector: bytes
    counterpart: str  # a key: "id:12" or "name:generalkonsulat …", "" when unknown
    counterpart_kind: str
    case_type: str
    channel: str
    response_type: str
    topics: tuple[str, ...]
    updated_at: object


@dataclass(frozen=True)
class Query:
    """What a question looks like to the index: a unit vector and the structured fields."""

    vector: np.ndarray
    counterpart: str = ""
    counterpart_kind: str = ""
    case_type: str = ""
    channel: str = ""
    response_type: str = ""
    topics: tuple[str, ...] = ()


class _Vocabulary:
    """Values to small integer codes; code 0 is 'unknown' and never counts as a match."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}

    def code(self, value: str) -> int:
        value = value or ""
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.codes)
        return found

    def lookup(self, value: str) -> int:
        return self.codes.get(value or "", 0)


def coarse_signal_scores(
    columns: dict[str, np.ndarray], topics: np.ndarray, codes: dict[str, int], topic_mask: int
) -> np.ndarray:
    """The structured part of the score for every row (vectorised; skipped signals cost 0)."""
    # Matches add up as small integers (hundredths of the weights) in one uint8 pass each.
    points = np.zeros(len(topics), dtype=np.uint8)
    for name in SCANNED:
        code = codes[name]
        if code:
            hits = (columns[name] == code).view(np.uint8)
            hits *= np.uint8(round(SIGNAL_WEIGHTS[name] * 100))
            points += hits
    total = points.astype(np.float32)
    total *= np.float32(0.01)
    if topic_mask:
        mask = np.uint32(topic_mask)
        shared = np.bitwise_count(topics & mask).astype(np.float32)
        union = np.bitwise_count(topics | mask).astype(np.float32)
        shared *= np.float32(SIGNAL_WEIGHTS["topics"])
        shared /= union  # never 0: the query has a topic
        total += shared
    return total


class SimilarIndex:
    """Rows of every embedded case; `candidates()` answers ids best first."""

    def __init__(self, version: int, topic_ids: tuple[str, ...]) -> None:
        self.version = version
        self.topic_bits = {t: 1 << i for i, t in enumerate(topic_ids)}
        self.vocab = {name: _Vocabulary() for name in CATEGORICAL}
        self.ids = np.zeros(0, dtype=np.int64)
        self.columns = {name: np.zeros(0, dtype=np.int32) for name in CATEGORICAL}
        self.topics = np.zeros(0, dtype=np.uint32)
        self.vectors = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.mean: np.ndarray | None = None  # PCA: centre and basis, when reduced
        self.basis: np.ndarray | None = None
        self.watermark = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def reduced(self) -> bool:
        return self.basis is not None

    # -- loading ---------------------------------------------------------------------------

    def load(self, chunks: Iterable[list[Row]], total: int) -> None:
        """The first, full load. `total` decides whether vectors are reduced (PCA)."""
        if total > FULL_DIMS_LIMIT:
            chunks = self._fit_reduction(iter(chunks))
        for chunk in chunks:
            self.apply(chunk)

    def _fit_reduction(self, chunks: Iterator[list[Row]]) -> Iterator[list[Row]]:
        """Fit the PCA basis on the first PCA_SAMPLE rows, then yield every chunk as it came."""
        held: list[list[Row]] = []
        sample = 0
        for chunk in chunks:
            held.append(chunk)
            sample += len(chunk)
            if sample >= PCA_SAMPLE:
                break
        vectors = _unpack([r.vector for chunk in held for r in chunk])
        self.mean = vectors.mean(axis=0)
        # The right singular vectors: the directions of greatest variance, best first.
        _, _, vt = np.linalg.svd(vectors - self.mean, full_matrices=False)
        self.basis = np.ascontiguousarray(vt[:REDUCED_DIMS].T.astype(np.float32))
        self.vectors = np.zeros((0, REDUCED_DIMS), dtype=np.float32)
        yield from held
        yield from chunks

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors as the index stores them (reduced and re-normalised when reduced)."""
        if self.basis is None:
            return vectors.astype(np.float32, copy=False)
        reduced = (vectors - self.mean) @ self.basis
        norms = np.linalg.norm(reduced, axis=-1, keepdims=True)
        return (reduced / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def apply(self, rows: list[Row]) -> None:
        """Add or replace these rows (ids already present are overwritten in place)."""
        if not rows:
            return
        ids = np.fromiter((r.case_id for r in rows), np.int64, len(rows))
        vectors = self.project(_unpack([r.vector for r in rows]))
        columns = {
            name: np.fromiter(
                (self.vocab[name].code(getattr(r, name)) for r in rows), np.int32, len(rows)
            )
            for name in CATEGORICAL
        }
        topics = np.fromiter(
            (sum(self.topic_bits.get(t, 0) for t in r.topics) for r in rows), np.uint32, len(rows)
        )
        watermark = max(r.updated_at for r in rows)
        if self.watermark is None or watermark > self.watermark:
            self.watermark = watermark
        # Rows seen before: overwrite. New rows: append, then keep ids sorted for lookups.
        pos = np.searchsorted(self.ids, ids)
        if len(self.ids):
            known = (pos < len(self.ids)) & (self.ids[np.minimum(pos, len(self.ids) - 1)] == ids)
        else:
            known = np.zeros(len(ids), dtype=bool)
        if known.any():
            at = pos[known]
            self.vectors[at] = vectors[known]
            self.topics[at] = topics[known]
            for name in CATEGORICAL:
                self.columns[name][at] = columns[name][known]
        fresh = ~known
        if fresh.any():
            self.ids = np.concatenate([self.ids, ids[fresh]])
            self.vectors = np.concatenate([self.vectors, vectors[fresh]])
            self.topics = np.concatenate([self.topics, topics[fresh]])
            for name in CATEGORICAL:
                self.columns[name] = np.concatenate([self.columns[name], columns[name][fresh]])
            if len(self.ids) > 1 and not (np.diff(self.ids) > 0).all():
                order = np.argsort(self.ids, kind="stable")
                self.ids = self.ids[order]
                self.vectors = self.vectors[order]
                self.topics = self.topics[order]
                for name in CATEGORICAL:
                    self.columns[name] = self.columns[name][order]

    # -- asking ------------------------------------------------------------------------------

    def scores(self, query: Query) -> np.ndarray:
        """A coarse score for every row: semantic similarity plus the structured signals."""
        if not len(self.ids):
            return np.zeros(0, dtype=np.float32)
        semantic = self.vectors @ self.project(query.vector)
        codes = {name: self.vocab[name].lookup(getattr(query, name)) for name in CATEGORICAL}
        mask = sum(self.topic_bits.get(t, 0) for t in query.topics)
        signals = coarse_signal_scores(self.columns, self.topics, codes, mask)
        semantic *= np.float32(SEMANTIC_WEIGHT)
        semantic += signals
        return semantic

    def candidates(
        self,
        scores: np.ndarray,
        count: int,
        *,
        exclude: np.ndarray | None = None,
        among: np.ndarray | None = None,
    ) -> np.ndarray:
        """The ids of the `count` best rows, best first, leaving out the ids in `exclude`
        and, when `among` (sorted ids) is given, every id not in it."""
        if exclude is not None and len(exclude):
            # Ids are sorted: the excluded rows are found by bisection, not by a scan.
            pos = np.searchsorted(self.ids, exclude)
            pos = pos[pos < len(self.ids)]
            pos = pos[np.isin(self.ids[pos], exclude)]
            if len(pos):
                scores = scores.copy()
                scores[pos] = -np.inf
        if among is not None:
            rows = np.flatnonzero(np.isin(self.ids, among, assume_unique=True))
            pool = scores[rows]
        else:
            rows = None
            pool = scores
        best = np.argpartition(-pool, count)[:count] if count < len(pool) else np.arange(len(pool))
        best = best[np.argsort(-pool[best], kind="stable")]
        best = best[np.isfinite(pool[best])]
        return self.ids[best if rows is None else rows[best]]


def _unpack(blobs: list[bytes]) -> np.ndarray:
    from .embedding import unpack_many

    return unpack_many(blobs)


# -- the process's index -----------------------------------------------------------------------

_lock = threading.Lock()
_index: SimilarIndex | None = None


def get_index(
    version: int,
    loader: Callable[[object], Iterable[list[Row]]],
    count: Callable[[], int],
    topic_ids: tuple[str, ...],
) -> SimilarIndex:
    """The index at data version `version`: built on first use, then patched with the rows
    changed since (`loader(since)`), never rebuilt from scratch while the process lives."""
    global _index
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        if _index is None:
            fresh = SimilarIndex(version, topic_ids)
            fresh.load(loader(None), count())
            _index = fresh
        elif _index.version != version:
            _index.apply([r for chunk in loader(_index.watermark) for r in chunk])
            _index.version = version
        return _index


def reset() -> None:
    """Forget the process's index (tests that swap databases)."""
    global _index
    with _lock:
        _index = None
