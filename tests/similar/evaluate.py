"""`make eval-similar`: nDCG@5, recall@5 and cross-lingual recall@5 of twinwise's similar
cases on the evaluation set (tests/similar/evalset.py), next to baselines.

    .venv/bin/python -m tests.similar.evaluate

Every clustered report is a query; its relevant results are the other reports of its
situation (binary relevance). Cross-lingual recall@5 counts only relevant reports written in
another language than the query. Rankers:

- twinwise: `case_similar_list` (embeddings + structured signals + word overlap)
- twinwise, text only: the same with only the text (as `--text` and the draft hint ask;
  the query's own report is dropped from its results)
- lexical only: word overlap (the same words as the case search), nothing else
- embeddings only: cosine of the stored sentence embeddings
- signals + words, no embeddings: twinwise's score with the semantic part left out
"""

import math
import os
import sys

K = 5


def load(organisations) -> dict:
    """The evaluation set as published TLP:GREEN reports of three member cities."""
    from twinwise.cases.models import Case
    from twinwise.similar.services import embeddings_compute

    from .evalset import CASES

    clusters, languages = {}, {}
    for n, (cluster, language, fields) in enumerate(CASES):
        case = Case.objects.create(
            organisation=organisations[n % len(organisations)],
            tlp="green",
            state="published",
            language=language,
            occurred_on="2025",
            external_id=f"eval-{n:03d}",
            **fields,
        )
        clusters[case.pk], languages[case.pk] = cluster, language
    from twinwise.access.actors import Actor

    embeddings_compute(actor=Actor.operator(), case_ids=list(clusters))
    return {"clusters": clusters, "languages": languages}


def metrics(ranked: dict[int, list[int]], data: dict) -> dict:
    clusters, languages = data["clusters"], data["languages"]
    ndcg, recall, cross_hits, cross_total = [], [], 0, 0
    for query, results in ranked.items():
        relevant = {pk for pk, c in clusters.items() if c and c == clusters[query] and pk != query}
        top = results[:K]
        dcg = sum(1 / math.log2(i + 2) for i, pk in enumerate(top) if pk in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
        ndcg.append(dcg / ideal)
        recall.append(len(relevant & set(top)) / len(relevant))
        other = {pk for pk in relevant if languages[pk] != languages[query]}
        cross_total += len(other)
        cross_hits += len(other & set(top))
    return {
        "queries": len(ranked),
        "ndcg@5": sum(ndcg) / len(ndcg),
        "recall@5": sum(recall) / len(recall),
        "cross-lingual recall@5": cross_hits / cross_total,
    }


def evaluate(actor, data: dict, *, rankers: tuple[str, ...] | None = None, sample=None) -> dict:
    """Metrics per ranker (all of them unless `rankers` names some); `sample`: only the
    first `sample` queries (the unit test asks a few, `make eval-similar` asks all)."""
    import numpy as np

    from twinwise.cases.models import Case
    from twinwise.similar import embedding, ranking
    from twinwise.similar.models import CaseEmbedding
    from twinwise.similar.selectors import case_similar_list

    cases = {c.pk: c for c in Case.objects.filter(pk__in=list(data["clusters"]))}
    vectors = {
        pk: embedding.unpack(v) for pk, v in CaseEmbedding.objects.values_list("case_id", "vector")
    }
    words = {pk: ranking.content_words(c) for pk, c in cases.items()}
    queries = [pk for pk, c in data["clusters"].items() if c][:sample]

    def by(score) -> dict[int, list[int]]:
        return {
            q: sorted((pk for pk in cases if pk != q), key=lambda pk: (-score(q, pk), pk))
            for q in queries
        }

    def ours() -> dict[int, list[int]]:
        return {
            q: [r.id for r in case_similar_list(actor=actor, case=cases[q], k=K)] for q in queries
        }

    def text_only() -> dict[int, list[int]]:
        found = {}
        for q in queries:
            results = case_similar_list(actor=actor, text=_text(cases[q]), k=K + 1)
            found[q] = [r.id for r in results if r.id != q]
        return found

    everything = {
        "twinwise": ours,
        "twinwise, text only (--text, draft hint)": text_only,
        "lexical only": lambda: by(lambda q, pk: ranking.word_overlap(words[q], words[pk])),
        "embeddings only": lambda: by(lambda q, pk: float(np.dot(vectors[q], vectors[pk]))),
        "signals + words, no embeddings": lambda: by(
            lambda q, pk: ranking.score(cases[q], words[q], cases[pk], 0.0).score
        ),
    }
    return {
        name: metrics(run(), data)
        for name, run in everything.items()
        if rankers is None or name in rankers
    }


def _text(case) -> str:
    return "\n".join((case.title, case.summary, case.demand, case.response))


def table(results: dict[str, dict]) -> str:
    lines = [
        "| ranker | queries | nDCG@5 | recall@5 | cross-lingual recall@5 |",
        "|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m['queries']} | {m['ndcg@5']:.3f} | {m['recall@5']:.3f} "
            f"| {m['cross-lingual recall@5']:.3f} |"
        )
    return "\n".join(lines)


def setup_network():
    from tests.cases.pages_fixtures import actor, organisation, person

    orgs = [
        organisation("eval-lyon", "Lyon", "FR"),
        organisation("eval-munich", "Munich", "DE"),
        organisation("eval-toronto", "Toronto", "CA"),
    ]
    reader_org = organisation("eval-reader", "Gothenburg", "SE")
    return orgs, actor(person("eval.reader", reader_org))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        orgs, reader = setup_network()
        data = load(orgs)
        results = evaluate(reader, data)
    finally:
        teardown_databases(config, verbosity=0)
    print(f"Similar cases on tests/similar/evalset.py ({len(data['clusters'])} reports)")
    print(table(results))
    target = results["twinwise"]["ndcg@5"]
    print(f"target nDCG@5 >= 0.90: {'met' if target >= 0.9 else 'NOT met'} ({target:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
