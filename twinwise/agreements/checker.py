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


def check_clause(text: str, language_code: str | None) -> list[Finding]:
    """The findings of one clause's text (empty for an unsupported language)."""
    language = lexicon.languages().get(language_code or "")
    if language is None:
        return []
    texts = lexicon.category_texts()
    original = text
    # Typographic apostrophes and quotes match the plain ones of the patterns; same length,
    # so offsets stay valid for the original text.
    text = text.translate(PLAIN_QUOTES)
    body = heading_end(text)
    findings = []
    guarded_sentences: dict[tuple[int, int], bool] = {}
    for category in lexicon.category_ids():
        rules = language.categories.get(category)
        if rules is None:
            continue
        clause_protected = rules.protective_scope == "clause" and any(
            p.search(text) for p in rules.protective
        )
        best = None
        for pattern in rules.patterns:
            for m in pattern.regex.finditer(text, body):
                if m.end() == m.start():
                    continue
                bounds = _sentence_bounds(text, m.start(), m.end(), body)
                sentence = text[bounds[0] : bounds[1]]
                if bounds not in guarded_sentences:
                    guarded_sentences[bounds] = any(g.search(sentence) for g in language.guards)
                if guarded_sentences[bounds]:
                    continue
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


def _finding(category, severity, text, start, end, rules, about, floor) -> Finding:
    start, end = _widen(text, start, end, floor)
    explanation = f"{_(about.explanation)} {_(about.severity_reason)}"
    if severity != about.severity:
        explanation = f"{_(about.explanation)} {_(lexicon.severity_notes()[severity])}"
    suggestion = _(about.suggestion)
    if rules.safer_wordings:
        suggestion = _("%(suggestion)s Safer wording: “%(wording)s”") % {
            "suggestion": suggestion,
            "wording": rules.safer_wordings[0],
        }
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


def check_clauses(clauses: list[Clause], document_language: str | None):
    """[(clause, findings)] for every clause, in order."""
    return [
        (clause, check_clause(clause.text, clause_language(clause.text, document_language)))
        for clause in clauses
    ]
