"""Reads for "similar experiences": `case_similar_list` behind the panel, the draft hint, the
API and `twinwise similar`.

How a question is answered (ADR 0017):
1. the query's vector: the stored embedding of the case, or the text embedded on the spot
   (a draft, `--text`);
2. the in-memory index scores every embedded case (semantic + structured signals) and
   proposes candidate ids, best first — it knows nothing of who may see what;
3. the access policy decides: the candidates the asker may see are read with
   `visible()` (published reports only). Widening: the best 200, then 3,000, then — when the
   asker sees so little that those held too few — every id `visible()` returns for them;
4. the pool (20, or 3 per result asked for) is re-scored exactly (512-dimension cosine read with `visible()`, every signal,
   word overlap), the best `k` presented with `case_present_many` (anonymous reports
   redacted), each with its reasons.

Nothing the policy did not return is read, counted or shown: the index's proposals that the
asker may not see are dropped without a trace, and results never say how many were dropped.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.cases.models import Case, CaseState
from twinwise.cases.selectors import case_present_many, case_queryset
from twinwise.cases.services import MAX_TEXT
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.core.versioning import current

from . import embedding, ranking
from .index import Row, SimilarIndex, get_index
from .models import CaseEmbedding
from .services import DATA_SET

DEFAULT_K = 5
MAX_K = 50
# Candidates re-scored exactly (at least POOL, 3 per result asked for); the widening steps
# before asking for every visible id.
POOL = 20
STAGES = (200, 3_000)
LOAD_CHUNK = 20_000


@dataclass
class SimilarCase:
    """One result: the case as the asker may read it, its score and why it is similar."""

    item: dict  # case_present_many's view of the case
    score: float
    why: list[str]
    duplicate: bool

    @property
    def id(self) -> int:
        return self.item["id"]

    def as_json(self) -> dict:
        return {
            "id": self.item["id"],
            "external_id": self.item["external_id"],
            "title": self.item["title"],
            "score": round(self.score, 2),
            "why": self.why,
        }


def check_k(value, *, field: str = "k") -> int:
    """k as a whole number from 1 to MAX_K, or an error naming the field."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_K:
        raise UserFacingError(
            _("%(name)s must be a whole number from 1 to %(max)d") % {"name": field, "max": MAX_K},
            field=field,
        )
    return int(text)


def check_text(text, *, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise UserFacingError(_("describe the situation first"), field=field)
    if len(text) > MAX_TEXT:
        raise UserFacingError(
            _("this is %(n)d characters long; the limit is %(limit)d")
            % {"n": len(text), "limit": MAX_TEXT},
            field=field,
        )
    return text


# -- the index's rows (every embedded case: the index answers only candidate ids) ------------


def _rows(since) -> Iterator[list[Row]]:
    """The index's rows in chunks: every embedded case (`since` None), else those changed at
    or after `since`. The full load reads with one plain SQL cursor (a million rows: the ORM's
    per-row conversions cost more than the query); changes go through the ORM."""
    if since is None:
        yield from _all_rows()
        return
    values = (
        CaseEmbedding.objects.filter(updated_at__gte=since)
        .order_by("case_id")
        .values_list(*(f for f, _ in _COLUMNS))
    )
    chunk = [_row(*values_row) for values_row in values.iterator(chunk_size=LOAD_CHUNK)]
    for start in range(0, len(chunk), LOAD_CHUNK):
        yield chunk[start : start + LOAD_CHUNK]


_COLUMNS = (
    ("case_id", "e.case_id"),
    ("vector", "e.vector"),
    ("case__counterpart_id", "c.counterpart_id"),
    ("case__counterpart_name", "c.counterpart_name"),
    ("case__counterpart_kind", "c.counterpart_kind"),
    ("case__case_type", "c.case_type"),
    ("case__channel", "c.channel"),
    ("case__response_type", "c.response_type"),
    ("case__topics", "c.topics"),
    ("updated_at", "e.updated_at"),
)


def _all_rows() -> Iterator[list[Row]]:
    # Rows changed while this runs are read again by the next incremental load: the
    # watermark is the newest change *before* the load started.
    watermark = CaseEmbedding.objects.aggregate(newest=Max("updated_at"))["newest"]
    if watermark is None:
        return
    columns = ", ".join(sql for _, sql in _COLUMNS[:-1])
    sql = (
        f"SELECT {columns} FROM {connection.ops.quote_name(CaseEmbedding._meta.db_table)} e "  # noqa: S608 (fixed names)
        f"JOIN {connection.ops.quote_name(Case._meta.db_table)} c ON c.id = e.case_id "
        "ORDER BY e.case_id"
    )
    topics_of: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(LOAD_CHUNK):
            chunk = []
            for cid, vector, cp_id, cp_name, kind, ctype, channel, response, topics in rows:
                key = topics if isinstance(topics, str) else json.dumps(topics)
                parsed = topics_of.get(key)
                if parsed is None:
                    parsed = topics_of[key] = tuple(json.loads(key) or ())
                chunk.append(
                    _row(
                        cid,
                        vector,
                        cp_id,
                        cp_name,
                        kind,
                        ctype,
                        channel,
                        response,
                        parsed,
                        watermark,
                    )
                )
            yield chunk


_counterpart_keys: dict[str, str] = {}


def _row(cid, vector, cp_id, cp_name, kind, ctype, channel, response, topics, updated) -> Row:
    if cp_id:
        key = f"id:{cp_id}"
    else:
        key = _counterpart_keys.get(cp_name or "")
        if key is None:
            key = ranking.counterpart_key(Case(counterpart_name=cp_name))
            if len(_counterpart_keys) < 100_000:
                _counterpart_keys[cp_name or ""] = key
    return Row(
        cid,
        vector,
        key,
        kind or "",
        ctype or "",
        channel or "",
        response or "",
        tuple(topics or ()),
        updated,
    )


def similar_index() -> SimilarIndex:
    """This process's index, brought up to the current `similar` data version."""
    return get_index(current(DATA_SET), _rows, CaseEmbedding.objects.count, taxonomy.ids("topics"))


# -- the question ---------------------------------------------------------------------------


def _query_vector(actor: Actor, case: Case) -> np.ndarray:
    """The stored embedding of `case` when it matches its text, else the text embedded now."""
    text = embedding.case_text(case)
    if case.pk is not None:
        # Through the case's own rule, by primary key: the embedding is visible exactly when
        # its case is (similar.caseembedding/view), and this stays one indexed lookup.
        stored = (
            case_queryset(actor=actor)
            .filter(pk=case.pk, embedding__isnull=False)
            .values_list("embedding__vector", "embedding__text_hash")
            .first()
        )
        if stored and stored[1] == embedding.text_hash(text):
            return embedding.unpack(stored[0])
    return embedding.embed([text])[0]


def _shared(actor: Actor):
    """The reports that count as experiences for `actor`: visible and shared (published)."""
    return case_queryset(actor=actor).filter(state=CaseState.PUBLISHED)


def _visible_candidates(shared, index: SimilarIndex, scores, exclude: list[int], pool: int):
    """Up to `pool` ids, best first by coarse score, each one in `shared` (the policy's
    queryset of the reports the asker may see)."""
    checked = np.asarray(sorted(exclude), dtype=np.int64)
    found: list[int] = []
    ids_only = shared.select_related(None)
    for stage in STAGES:
        proposed = index.candidates(scores, stage, exclude=checked)
        allowed = set(ids_only.filter(pk__in=proposed.tolist()).values_list("pk", flat=True))
        found = [int(i) for i in proposed if int(i) in allowed]
        if len(found) >= pool or stage >= len(index):
            return found[:pool]
    # The asker sees few of the best-scoring reports: take the candidates from the policy.
    among = np.fromiter(ids_only.values_list("pk", flat=True).order_by("pk"), np.int64)
    return [int(i) for i in index.candidates(scores, pool, exclude=checked, among=among)]


def case_similar_list(
    *,
    actor: Actor,
    case: Case | None = None,
    text: str | None = None,
    k: int = DEFAULT_K,
    exclude: tuple[int, ...] = (),
) -> list[SimilarCase]:
    """The `k` published reports most like `case` (a saved case the caller already read with
    `case_get`, or an unsaved one built from a draft form) or like `text`, that `actor` may
    see, best first. The query case itself is never among them."""
    k = check_k(k)
    if (case is None) == (text is None):
        raise UserFacingError(_("give either a case or a text"), field="text")
    if case is None:
        case = Case(summary=check_text(text))
    vector = _query_vector(actor, case)
    index = similar_index()
    scores = index.scores(ranking.index_query(case, vector))
    skip = [i for i in (case.pk, *exclude) if i is not None]
    shared = _shared(actor)  # the access rule is built once per question
    pool = _visible_candidates(shared, index, scores, skip, max(POOL, 3 * k))
    if not pool:
        return []
    # The candidates with their stored vectors, read through the case rule by primary key.
    cases = {
        c.pk: c
        for c in shared.filter(pk__in=pool, embedding__isnull=False).select_related("embedding")
    }
    stored = {pk: c.embedding.vector for pk, c in cases.items()}
    query_words = ranking.content_words(case)
    matches = []
    for pk, candidate in cases.items():
        if pk not in stored:
            continue
        cosine = float(embedding.unpack(stored[pk]) @ vector)
        matches.append(ranking.score(case, query_words, candidate, cosine, explain=False))
    matches.sort(key=lambda m: (-m.score, m.case.pk))
    best = [
        ranking.score(case, query_words, m.case, m.semantic) for m in matches[:k]
    ]  # the reasons, for these only
    presented = case_present_many(actor=actor, cases=[m.case for m in best])
    return [
        SimilarCase(item=item, score=m.score, why=m.why, duplicate=m.duplicate)
        for item, m in zip(presented, best, strict=True)
    ]


def similar_json(query: Case | None, results: list[SimilarCase]) -> dict:
    """INTERCHANGE.md "Similar cases": the query and the results, best first."""
    return {
        "query": {
            "id": query.pk if query is not None else None,
            "external_id": query.external_id if query is not None else None,
        },
        "results": [r.as_json() for r in results],
    }
