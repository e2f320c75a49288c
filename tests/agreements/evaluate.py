"""Precision, recall and F1 of the agreement checker on the labelled corpus.

`make eval-agreements` runs `python -m tests.agreements.evaluate`: per split (dev, real,
held-out) the per-category P/R/F1, the per-language F1 and the micro-F1. A clause counts a
true positive for each gold category it is flagged with, a false positive for each other
category flagged, a false negative for each gold category missed.
"""

import csv
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Item:
    id: str
    language: str
    kind: str
    labels: frozenset[str]
    text: str


def load_jsonl(name: str) -> list[Item]:
    items = []
    for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(
                Item(raw["id"], raw["language"], raw["kind"], frozenset(raw["labels"]), raw["text"])
            )
    return items


def load_real() -> list[Item]:
    labels = json.loads((CORPUS / "csv_labels.json").read_text(encoding="utf-8"))
    with (CORPUS / "agreement_clauses.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        Item(
            r["id"],
            r["language"],
            "real-positive" if labels[r["id"]] else "real-negative",
            frozenset(labels[r["id"]]),
            r["text"],
        )
        for r in rows
    ]


def predict(item: Item) -> frozenset[str]:
    """The categories the checker flags in the item's text, whole pipeline (detection too)."""
    from twinwise.agreements import extraction, report

    result = report.check(extraction.from_pasted(item.text))
    return frozenset(f["category"] for c in result.report["clauses"] for f in c["findings"])


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Score:
    per_category: dict
    per_language: dict
    micro: tuple[float, float, float]
    errors: list


def score(items: list[Item]) -> Score:
    cat = defaultdict(lambda: [0, 0, 0])
    lang = defaultdict(lambda: [0, 0, 0])
    errors = []
    for item in items:
        predicted = predict(item)
        for c in predicted | item.labels:
            hit = (c in predicted, c in item.labels)
            slot = {(True, True): 0, (True, False): 1, (False, True): 2}[hit]
            cat[c][slot] += 1
            lang[item.language][slot] += 1
        lang[item.language]  # languages with only true negatives still appear
        if predicted != item.labels:
            errors.append((item, predicted))
    totals = [sum(v[i] for v in cat.values()) for i in range(3)]
    return Score(
        per_category={c: (*v, *f1(*v)) for c, v in sorted(cat.items())},
        per_language={code: (*v, *f1(*v)) for code, v in sorted(lang.items())},
        micro=f1(*totals),
        errors=errors,
    )


def render(name: str, items: list[Item], result: Score, *, show_errors: bool) -> str:
    out = [
        f"== {name}: {len(items)} clauses",
        f"{'category':28} {'tp':>4} {'fp':>4} {'fn':>4}  {'P':>5} {'R':>5} {'F1':>5}",
    ]
    for c, (tp, fp, fn, p, r, f) in result.per_category.items():
        out.append(f"{c:28} {tp:4d} {fp:4d} {fn:4d}  {p:5.2f} {r:5.2f} {f:5.2f}")
    out.append(
        "per language F1: "
        + ", ".join(f"{code} {v[5]:.2f}" for code, v in result.per_language.items())
    )
    p, r, f = result.micro
    out.append(f"micro P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    if show_errors:
        for item, predicted in result.errors:
            out.append(
                f"  ✗ {item.id} gold={sorted(item.labels)} got={sorted(predicted)} :: {item.text[:110]}"
            )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.test")
    import django

    django.setup()
    show_errors = "--errors" in argv
    splits = [
        ("dev (own clauses, tuned on)", load_jsonl("dev.jsonl")),
        ("real (agreement_clauses.csv)", load_real()),
        # Held-out sets: each measured once blind, when it was new (docs/agreements.md
        # records those numbers); sets 1 and 2 were then used to find what to improve.
        ("held-out 1 (blind first: 0.926; looked at since)", load_jsonl("heldout.jsonl")),
        ("held-out 2 (blind first: 0.974; looked at since)", load_jsonl("heldout2.jsonl")),
        ("held-out 3 (never tuned on)", load_jsonl("heldout3.jsonl")),
    ]
    for name, items in splits:
        print(render(name, items, score(items), show_errors=show_errors))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
