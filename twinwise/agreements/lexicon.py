"""The language material of the checker, loaded from data files.

`lexicon/categories.json` holds, per risk category, the default severity, why that
severity, a plain explanation and what to ask for (English: the interface language).
`lexicon/<code>.json` holds everything that depends on the document's language: stopwords
for detection, heading and recital words for segmentation, negation guards, the risk
patterns per category and the safer wordings. Adding a language is adding one file.

Patterns are regular expressions matched case-insensitively; a plain space in a pattern
matches any run of whitespace (line breaks inside a sentence included).
"""

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from twinwise.core import taxonomy

DIR = Path(__file__).resolve().parent / "lexicon"
SEVERITIES = ("high", "medium", "low")
FLAGS = re.IGNORECASE | re.UNICODE


def compile_pattern(source: str) -> re.Pattern:
    return re.compile(source.replace(" ", r"\s+"), FLAGS)


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern
    severity: str | None = None
    ignore_protective: bool = False


@dataclass(frozen=True)
class CategoryRules:
    patterns: tuple[Pattern, ...]
    protective: tuple[re.Pattern, ...]
    protective_scope: str  # "sentence" or "clause"
    safer_wordings: tuple[str, ...]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    stopwords: frozenset[str]
    letters: frozenset[str]
    heading_words: tuple[str, ...]
    ordinal_headings: tuple[str, ...]
    recital_cues: tuple[str, ...]
    preamble_words: tuple[str, ...]
    guards: tuple[re.Pattern, ...]
    categories: dict[str, CategoryRules] = field(default_factory=dict)


@dataclass(frozen=True)
class CategoryText:
    id: str
    severity: str
    severity_reason: str
    explanation: str
    suggestion: str


class LexiconError(Exception):
    """A data file is broken: a bug in the shipped data, reported with the file name."""


def _category_rules(code: str, cat: str, raw: dict) -> CategoryRules:
    patterns = []
    for entry in raw.get("patterns", []):
        if isinstance(entry, str):
            entry = {"re": entry}
        severity = entry.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise LexiconError(f"{code}.json: {cat}: unknown severity {severity!r}")
        try:
            regex = compile_pattern(entry["re"])
        except re.error as exc:
            raise LexiconError(f"{code}.json: {cat}: {entry['re']!r}: {exc}") from None
        patterns.append(Pattern(regex, severity, bool(entry.get("ignore_protective"))))
    return CategoryRules(
        patterns=tuple(patterns),
        protective=tuple(compile_pattern(p) for p in raw.get("protective", [])),
        protective_scope=raw.get("protective_scope", "sentence"),
        safer_wordings=tuple(raw.get("safer_wordings", [])),
    )


def _load_language(path: Path) -> Language:
    raw = json.loads(path.read_text(encoding="utf-8"))
    code = raw["code"]
    known = set(category_ids())
    unknown = set(raw.get("categories", {})) - known
    if unknown:
        raise LexiconError(f"{path.name}: unknown categories {sorted(unknown)}")
    return Language(
        code=code,
        name=raw["name"],
        stopwords=frozenset(w.lower() for w in raw["stopwords"]),
        letters=frozenset(raw.get("letters", "") + "'’-"),
        heading_words=tuple(raw.get("heading_words", [])),
        ordinal_headings=tuple(raw.get("ordinal_headings", [])),
        recital_cues=tuple(raw.get("recital_cues", [])),
        preamble_words=tuple(raw.get("preamble_words", [])),
        guards=tuple(compile_pattern(p) for p in raw.get("guards", [])),
        categories={
            cat: _category_rules(code, cat, rules)
            for cat, rules in raw.get("categories", {}).items()
        },
    )


@cache
def languages() -> dict[str, Language]:
    """Every language with a data file, by code."""
    found = {}
    for path in sorted(DIR.glob("*.json")):
        if path.stem == "categories":
            continue
        language = _load_language(path)
        found[language.code] = language
    return found


@cache
def category_ids() -> tuple[str, ...]:
    return tuple(taxonomy.ids("finding_categories"))


@cache
def category_texts() -> dict[str, CategoryText]:
    raw = json.loads((DIR / "categories.json").read_text(encoding="utf-8"))
    texts = {}
    for cat in category_ids():
        entry = raw[cat]
        texts[cat] = CategoryText(
            id=cat,
            severity=entry["severity"],
            severity_reason=entry["severity_reason"],
            explanation=entry["explanation"],
            suggestion=entry["suggestion"],
        )
    return texts


@cache
def severity_notes() -> dict[str, str]:
    """Why a pattern gave a finding another severity than its category's default."""
    raw = json.loads((DIR / "categories.json").read_text(encoding="utf-8"))
    return dict(raw["_severity_notes"])
