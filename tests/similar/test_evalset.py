"""The evaluation set meets the quality target (`make eval-similar` prints the numbers for
every query and more rankers; this test asks the first reports of the set, to stay fast)."""

import pytest

from tests.similar.evaluate import evaluate, load, setup_network


@pytest.mark.django_db
def test_similar_cases_meet_the_target_and_beat_words_alone():
    orgs, reader = setup_network()
    results = evaluate(reader, load(orgs), rankers=("twinwise", "lexical only"), sample=12)
    ours, words = results["twinwise"], results["lexical only"]
    assert ours["ndcg@5"] >= 0.9
    assert ours["cross-lingual recall@5"] >= 0.9
    assert ours["ndcg@5"] > words["ndcg@5"] + 0.3
