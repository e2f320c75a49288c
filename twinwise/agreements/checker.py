"""Findings: which clauses carry which risks, with the words that show it.

For each clause, in the clause's own language (bilingual agreements are common) or the
document's, every pattern of every category of that language's lexicon is tried. A match
counts unless the sentence around it is guarded ("Nothing in this Agreement restricts …")
or matches one of the category's protective patterns ("Either Party may terminate …");
for some categories the protective patterns look at the whole clause. One finding per
category and clause: the first evidence, the highest severity any matching pattern gives.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import language as language_detection
from . import lexicon
from .segmentation import Clause

SENTENCE_END = re.compile(
    r"(?<=[.;!?:])\s+(?=\S)|\n\s*\n|\n(?=\s*(?:\(?[a-z0-9]{1,3}[.)]|[-•*])\s)"
)
PLAIN_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'"})
EVIDENCE_CONTEXT_WORDS = 3
RANK = {"high": 0, "medium": 1, "low": 2}
CLAUSE_LANGUAGE_MIN_CHARS = 50
HEADING_MAX_CHARS = 100
# A document whose second language has at least this share of the first's stopword share
# is checked clause by clause in each clause's language.
BILINGUAL_RATIO = 0.35


@dataclass(frozen=True)
class Finding:
    category: str
    severity: str
    evidence: str
    start: int  # offsets in the clause text
    end: int
    explanation: str
    suggestion: str
    safer_wordings: tuple[str, ...]


def heading_end(text: str) -> int:
    """Where the body of a clause starts: after a first line that is only a heading
    ("§ 6 Vertraulichkeit", "Article 4 — Termination"), else 0."""
    first, newline, rest = text.partition("\n")
    if (
        newline
        and rest.strip()
        and len(first) <= HEADING_MAX_CHARS
        and not first.rstrip().endswith((".", ";", ":", ","))
    ):
        return len(first) + 1
    return 0


def _sentence_bounds(text: str, start: int, end: int, floor: int = 0) -> tuple[int, int]:
    left = floor
    for m in SENTENCE_END.finditer(text, floor, start):
        left = m.end()
    m = SENTENCE_END.search(text, end)
    right = m.start() if m else len(text)
    return left, right


def clause_language(clause_text: str, document_language: str | None) -> str | None:
    """A long enough clause in another supported language is checked in that language."""
    if len(clause_text) >= CLAUSE_LANGUAGE_MIN_CHARS:
        found = language_detection.detect(clause_text)
        if found is not None:
            return found
    return document_language


def check_clause(
    text: str, language_code: str | None, prepared: dict | None = None
) -> list[Finding]:
    """The findings of one clause's text (empty for an unsupported language).

    `prepared` (from `check_clauses`) maps a language code to the patterns whose literal
    text occurs somewhere in the document, so the others are skipped once, not per clause.
    """
    language = lexicon.languages().get(language_code or "")
    if language is None:
        return []
    texts = lexicon.category_texts()
    original = text
    # Typographic apostrophes and quotes match the plain ones of the patterns; same length,
    # so offsets stay valid for the original text.
    text = text.translate(PLAIN_QUOTES)
    body = heading_end(text)
    lowered = text.lower()
    active, needles = (prepared or {}).get(language.code) or _active_patterns(language, None)
    present = {n for n in needles if n in lowered}
    findings = []
    guarded_sentences: dict[tuple[int, int], bool] = {}
    for category in lexicon.category_ids():
        rules = language.categories.get(category)
        if rules is None:
            continue
        clause_protected = None  # computed on the first match only
        best = None
        top = rules.top_severity
        for pattern in rules.patterns:
            if best is not None and RANK[best[0]] <= RANK[top]:
                break  # nothing more severe can come
            if pattern.needles is not None and present.isdisjoint(pattern.needles):
                continue
            if active is not None and id(pattern) not in active:
                continue
            for m in pattern.regex.finditer(text, body):
                if m.end() == m.start():
                    continue
                bounds = _sentence_bounds(text, m.start(), m.end(), body)
                sentence = text[bounds[0] : bounds[1]]
                if bounds not in guarded_sentences:
                    guarded_sentences[bounds] = any(g.search(sentence) for g in language.guards)
                if guarded_sentences[bounds]:
                    continue
                if clause_protected is None:
                    clause_protected = rules.protective_scope == "clause" and any(
                        p.search(text) for p in rules.protective
                    )
                if not pattern.ignore_protective and (
                    clause_protected or any(p.search(sentence) for p in rules.protective)
                ):
                    continue
                severity = pattern.severity or texts[category].severity
                if best is None or RANK[severity] < RANK[best[0]]:
                    best = (severity, m.start(), m.end())
                break
        if best is not None:
            severity, start, end = best
            findings.append(
                _finding(category, severity, original, start, end, rules, texts[category], body)
            )
    return findings


def _widen(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
    """The match grown to whole words and a few words of context, within its sentence."""
    left, right = _sentence_bounds(text, start, end, floor)
    while start > left and (text[start - 1].isalnum() or text[start - 1] in "-'’"):
        start -= 1
    while end < right and (text[end].isalnum() or text[end] in "-'’"):
        end += 1
    for _word in range(EVIDENCE_CONTEXT_WORDS):
        m = re.search(r"\S+\s*$", text[left:start])
        if not m:
            break
        start = left + m.start()
    for _word in range(EVIDENCE_CONTEXT_WORDS):
        m = re.match(r"\s*[^\s.;:,]+", text[end:right])
        if not m:
            break
        end += m.end()
    return start, end


@lru_cache(maxsize=1024)
def _texts(category: str, severity: str, wording: str, ui_language: str) -> tuple[str, str]:
    """(explanation, suggestion) in the interface language; cached per language."""
    about = lexicon.category_texts()[category]
    explanation = f"{_(about.explanation)} {_(about.severity_reason)}"
    if severity != about.severity:
        explanation = f"{_(about.explanation)} {_(lexicon.severity_notes()[severity])}"
    suggestion = _(about.suggestion)
    if wording:
        suggestion = _("%(suggestion)s Safer wording: “%(wording)s”") % {
            "suggestion": suggestion,
            "wording": wording,
        }
    return explanation, suggestion


def _finding(category, severity, text, start, end, rules, about, floor) -> Finding:
    start, end = _widen(text, start, end, floor)
    wording = rules.safer_wordings[0] if rules.safer_wordings else ""
    explanation, suggestion = _texts(category, severity, wording, get_language() or "")
    return Finding(
        category=category,
        severity=severity,
        evidence=" ".join(text[start:end].split()),
        start=start,
        end=end,
        explanation=explanation,
        suggestion=suggestion,
        safer_wordings=rules.safer_wordings,
    )


def _active_patterns(language, document_lowered: str | None):
    """(ids of the patterns whose literal text occurs in the document, or None for all;
    the literal texts of those patterns) for `language`."""
    patterns = [p for rules in language.categories.values() for p in rules.patterns]
    if document_lowered is None:
        return None, tuple(sorted({n for p in patterns for n in (p.needles or ())}))
    all_needles = {n for p in patterns for n in (p.needles or ())}
    present = {n for n in all_needles if n in document_lowered}
    patterns = [p for p in patterns if p.needles is None or not present.isdisjoint(p.needles)]
    needles = tuple(sorted({n for p in patterns for n in (p.needles or ())} & present))
    return frozenset(id(p) for p in patterns), needles


def check_clauses(clauses: list[Clause], document_language: str | None):
    """[(clause, findings)] for every clause, in order.

    Clauses are checked in their own language only when the document looks bilingual
    (a second language nearly as present as the first): detection per clause costs time.
    """
    document_lowered = "\n".join(c.text for c in clauses).translate(PLAIN_QUOTES).lower()
    shares = sorted(language_detection.scores(document_lowered).values(), reverse=True)
    bilingual = len(shares) > 1 and shares[1] > 0 and shares[1] >= BILINGUAL_RATIO * shares[0]
    prepared = {
        code: _active_patterns(language, document_lowered)
        for code, language in lexicon.languages().items()
        if bilingual or code == document_language
    }
    return [
        (
            clause,
            check_clause(
                clause.text,
                clause_language(clause.text, document_language) if bilingual else document_language,
                prepared,
            ),
        )
        for clause in clauses
    ]
