"""The labelled corpus: the checker keeps its measured quality (see `make eval-agreements`)."""

from tests.agreements import evaluate


def test_dev_and_real_splits_stay_above_their_measured_level():
    for items in (evaluate.load_jsonl("dev.jsonl"), evaluate.load_real()):
        assert evaluate.score(items).micro[2] >= 0.95


def test_held_out_paraphrases_reach_the_target():
    for name in ("heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl"):
        assert evaluate.score(evaluate.load_jsonl(name)).micro[2] >= 0.90, name


def test_negated_and_benign_clauses_raise_nothing():
    items = [i for i in evaluate.load_jsonl("dev.jsonl") if i.kind in ("negated", "benign")]
    assert items and all(not evaluate.predict(i) for i in items)


def test_unsupported_languages_raise_nothing():
    czech = [i for i in evaluate.load_real() if i.language == "cs"]
    assert czech and all(not evaluate.predict(i) for i in czech)
