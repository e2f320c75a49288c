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
    # Lower-case strings one of which any match must contain (None: no such guarantee).
    # Checking them with `in` first skips most regex scans: a clause rarely has any.
    needles: tuple[str, ...] | None = None
    needle_regex: re.Pattern | None = None

    def may_match(self, lowered: str) -> bool:
        return self.needle_regex is None or self.needle_regex.search(lowered) is not None


def _char(op, arg, c) -> str | None:
    """The one character a LITERAL (or a case-folding set like [iİı]) stands for."""
    if op is c.LITERAL:
        return chr(arg).lower()
    if op is c.IN and arg and all(o is c.LITERAL for o, _a in arg):
        # Only a set that is one letter in its case forms ([iIİı], [kKK]), not [ae].
        lowered = {chr(a).lower() for _o, a in arg if chr(a).isascii()}
        return lowered.pop() if len(lowered) == 1 else None
    return None


def _needles(items) -> set[str] | None:
    """Literal texts, one of which every match of the parsed sequence `items` contains."""
    from re import _constants as c  # the parser's own opcodes

    items = list(items)
    run = []
    for i, (op, arg) in enumerate(items):
        char = _char(op, arg, c)
        if char is not None:
            run.append(char)
            continue
        if len(run) >= 2:
            break
        run = []  # too short to be worth checking: look further on
        if op is c.AT:  # \b, ^ … match no text
            continue
        if op is c.SUBPATTERN:
            return _needles(arg[-1])
        if op is c.BRANCH:
            found: set[str] = set()
            for branch in arg[1]:
                part = _needles(branch)
                if part is None:
                    return None
                found |= part
            return found
        if op is c.MAX_REPEAT or op is c.MIN_REPEAT:
            low, _high, sub = arg
            inner = _needles(sub)
            if low >= 1 or inner is None:
                return inner if low >= 1 else None
            rest = _needles(items[i + 1 :])  # optional: the match has this or what follows
            return None if rest is None else inner | rest
        return None
    text = "".join(run)
    return {text} if len(text) >= 2 else None


def needles(regex: re.Pattern) -> tuple[str, ...] | None:
    from re import _parser

    found = _needles(_parser.parse(regex.pattern, regex.flags))
    return tuple(sorted(found)) if found else None


@dataclass(frozen=True)
class CategoryRules:
    patterns: tuple[Pattern, ...]
    protective: tuple[re.Pattern, ...]
    protective_scope: str  # "sentence" or "clause"
    safer_wordings: tuple[str, ...]
    top_severity: str = "high"  # the most severe any pattern of the category gives


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
        found = needles(regex)
        patterns.append(
            Pattern(
                regex,
                severity,
                bool(entry.get("ignore_protective")),
                found,
                re.compile("|".join(map(re.escape, found))) if found else None,
            )
        )
    default = json.loads((DIR / "categories.json").read_text(encoding="utf-8"))[cat]["severity"]
    levels = {p.severity or default for p in patterns} or {default}
    return CategoryRules(
        top_severity=min(levels, key=SEVERITIES.index),
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
