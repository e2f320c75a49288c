"""Counting answers: pure functions over question definitions and answer dicts.

Percentages are rounded half up to one decimal from the exact fraction (12.25 → 12.3, never
banker's rounding): `percent` and `share_of_respondents` are relative to the respondents who
answered the question, `share_of_mentions` to all selections made (so motivation shares add
up to 100 %, as GMF's do). Means and medians are rounded the same way.
"""

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from math import floor

SINGLE, MULTIPLE, SCALE, NUMBER, TEXT, COUNTRY, CITY = (
    "single",
    "multiple",
    "scale",
    "number",
    "text",
    "country",
    "city",
)


@dataclass(frozen=True)
class QuestionDef:
    key: str
    kind: str
    options: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None


def round1(value: Fraction) -> float:
    """Half up to one decimal, from an exact fraction."""
    return floor(value * 10 + Fraction(1, 2)) / 10


def pct(part: int, whole: int) -> float:
    return round1(Fraction(100 * part, whole)) if whole else 0.0


def values_of(question: QuestionDef) -> tuple[str, ...]:
    """The answer values a question's counts are keyed by, in order (choice and scale)."""
    if question.kind in (SINGLE, MULTIPLE):
        return question.options
    if question.kind == SCALE and question.min_value is not None and question.max_value is not None:
        return tuple(str(v) for v in range(int(question.min_value), int(question.max_value) + 1))
    return ()


def tally_question(question: QuestionDef, answers: list[dict]) -> dict:
    """The figures of one question over a list of answer dicts."""
    given = [a[question.key] for a in answers if question.key in a]
    answered = len(given)
    if question.kind == MULTIPLE:
        counts = dict.fromkeys(question.options, 0)
        for chosen in given:
            for value in chosen:
                counts[value] = counts.get(value, 0) + 1
        mentions = sum(counts.values())
        return {
            "counts": counts,
            "share_of_mentions": {k: pct(v, mentions) for k, v in counts.items()},
            "share_of_respondents": {k: pct(v, answered) for k, v in counts.items()},
        }
    if question.kind == NUMBER:
        return number_summary(given)
    if question.kind == TEXT:
        return {"n": answered}
    counts = dict.fromkeys(values_of(question), 0)
    for value in given:
        counts[str(value)] = counts.get(str(value), 0) + 1
    if question.kind in (COUNTRY, CITY):
        counts = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    result = {"counts": counts, "percent": {k: pct(v, answered) for k, v in counts.items()}}
    if question.kind == SCALE:
        result["mean"] = number_summary(given)["mean"]
    return result


def number_summary(values: list) -> dict:
    if not values:
        return {"n": 0, "mean": None, "median": None}
    with localcontext() as exact_context:
        exact_context.prec = 60  # sums of decimal inputs stay exact
        ordered = sorted(Decimal(str(v)) for v in values)
        total = sum(ordered, Decimal(0))
    n, mid = len(ordered), len(ordered) // 2
    if n % 2:
        median = Fraction(ordered[mid])
    else:
        median = (Fraction(ordered[mid - 1]) + Fraction(ordered[mid])) / 2
    return {"n": n, "mean": round1(Fraction(total) / n), "median": round1(median)}


def tally(questions: list[QuestionDef], answers: list[dict]) -> dict:
    """`{"responses": N, "questions": {key: figures}}` over the answer dicts."""
    return {
        "responses": len(answers),
        "questions": {q.key: tally_question(q, answers) for q in questions},
    }
