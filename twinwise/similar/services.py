"""Writes of case embeddings. Only operators compute them (the background task and the
backfill command act as one); each write bumps the `similar` data version so every process's
in-memory index picks the change up (similar/index.py)."""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from twinwise.access.actors import Actor
from twinwise.access.policy import require_model
from twinwise.cases.models import Case
from twinwise.core.versioning import bump

from . import embedding
from .models import CaseEmbedding

DATA_SET = "similar"
BACKFILL_BATCH = 128
_TEXT_COLUMNS = ("pk", "title", "summary", "demand", "response")


def embeddings_compute(*, actor: Actor, case_ids: Iterable[int]) -> int:
    """(Re)compute the embeddings of these cases; returns how many ran through the model.

    A case whose text did not change keeps its vector (the text hash says so) but its row is
    touched, so the index reloads the case's other fields (topics, counterpart, …). Ids of
    cases that no longer exist are skipped. Rule: operators only (similar.caseembedding/compute).
    """
    require_model(actor, CaseEmbedding, "compute")
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    cases = list(Case.objects.filter(pk__in=ids).only(*_TEXT_COLUMNS).order_by("pk"))
    if not cases:
        return 0
    existing = {e.case_id: e for e in CaseEmbedding.objects.filter(case_id__in=ids)}
    texts = {c.pk: embedding.case_text(c) for c in cases}
    hashes = {pk: embedding.text_hash(text) for pk, text in texts.items()}
    stale = [
        pk
        for pk in texts
        if pk not in existing
        or existing[pk].text_hash != hashes[pk]
        or existing[pk].model != embedding.MODEL_NAME
    ]
    vectors = dict(zip(stale, embedding.embed([texts[pk] for pk in stale]), strict=True))
    now = timezone.now()
    with transaction.atomic():
        # Cases deleted meanwhile drop out here (the foreign key would refuse them).
        alive = set(Case.objects.filter(pk__in=list(texts)).values_list("pk", flat=True))
        new, changed = [], []
        for pk in texts:
            if pk not in alive:
                continue
            row = existing.get(pk) or CaseEmbedding(case_id=pk)
            if pk in vectors:
                row.vector = embedding.pack(vectors[pk])
                row.model = embedding.MODEL_NAME
                row.text_hash = hashes[pk]
            row.updated_at = now
            (changed if pk in existing else new).append(row)
        CaseEmbedding.objects.bulk_create(new)
        CaseEmbedding.objects.bulk_update(changed, ["vector", "model", "text_hash", "updated_at"])
        bump(DATA_SET)
    return len(stale)


@dataclass
class BackfillReport:
    cases: int = 0
    computed: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.computed / self.seconds if self.seconds else 0.0


def embeddings_backfill(
    *,
    actor: Actor,
    everything: bool = False,
    batch: int = BACKFILL_BATCH,
    progress: Callable[[BackfillReport], None] | None = None,
) -> BackfillReport:
    """Embed every case that has no embedding yet (or, with `everything`, check them all).

    Runs in batches of `batch` cases, each its own transaction, so an interrupted backfill
    keeps what it did and a rerun goes on from there.
    """
    require_model(actor, CaseEmbedding, "compute")
    ids = Case.objects.order_by("pk")
    if not everything:
        ids = ids.exclude(pk__in=CaseEmbedding.objects.values("case_id"))
    todo = list(ids.values_list("pk", flat=True))
    report = BackfillReport()
    started = time.perf_counter()
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        report.computed += embeddings_compute(actor=actor, case_ids=chunk)
        report.cases += len(chunk)
        report.seconds = time.perf_counter() - started
        if progress is not None:
            progress(report)
    report.seconds = time.perf_counter() - started
    return report


def embedding_refresh_later(case: Case) -> None:
    """Queue the embedding of `case` for the background worker, once the save commits.

    Called by the case services on create, update and publish. Enqueued on commit: a case
    saved in a transaction that rolls back queues nothing.
    """
    from .tasks import embed_case

    case_id = case.pk
    transaction.on_commit(lambda: embed_case.enqueue(case_id))
