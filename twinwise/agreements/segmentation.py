"""Split an agreement into clauses the way agreements are written.

A clause starts at a heading line — "Article 3", "Art. 3", "§ 3", "Section 3", "3.",
"3.1", "(a)", "IV.", "Artikel 3", "Article premier", "Artículo 3", "Articolo 3",
"PRIMERA.-" … — and runs to the next one, so a heading stays with its text. What comes
before the first heading is the preamble; its paragraphs that open with a recital word
("Whereas", "In Erwägung", "Considérant" …) are recitals. A text without headings is split
into paragraphs. Offsets are character offsets into the extracted text.

The heading words come from the lexicon files of every language (a document's language
is not known when it is segmented, and bilingual agreements are common).
"""

import re
from dataclasses import dataclass
from functools import cache

from . import lexicon


@dataclass(frozen=True)
class Clause:
    index: int
    ref: str
    text: str
    start: int
    end: int


LEAD = r"^[ \t]*(?:[#>*_]+[ \t]*)?"
ROMAN = r"[IVXLC]{1,7}"
NUMBER = r"\d{1,3}[a-z]?(?:\.\d{1,3})*"


@cache
def _heading_regex() -> re.Pattern:
    words = set()
    ordinals = set()
    for language in lexicon.languages().values():
        words.update(language.heading_words)
        ordinals.update(language.ordinal_headings)
    word_alt = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    ordinal_alt = "|".join(sorted(ordinals, key=len, reverse=True))
    parts = [
        # Article 3, Art. 3, Artikel 3a, Article premier, Section IV, Artículo 1º
        rf"(?P<word>(?:{word_alt})\.?[ \t]*(?:{NUMBER}|{ROMAN}|premier|primero|primo|unique|única|unico|único)\b\.?º?°?)",
        # § 3, §3a
        rf"(?P<para>§{{1,2}}[ \t]*{NUMBER})",
        # PRIMERA.-, SEGUNDO:, DÉCIMA PRIMERA.-
        rf"(?P<ordinal>(?:{ordinal_alt})(?:[ \t]+(?:{ordinal_alt}))?)[ \t]*(?:\.[ \t]*)?[-–—:]",
        # 3.  3.1  3.1.2  (followed by text)
        r"(?P<num>\d{1,3}(?:\.\d{1,3})*\.?)(?=[ \t]+\S)",
        # IV.  (roman numeral + dot)
        rf"(?P<roman>{ROMAN}\.)(?=[ \t]+\S)",
        # (a)  a)  (iv)
        r"(?P<letter>\(?(?:[a-z]|[ivx]{1,4})\))(?=[ \t]+\S)",
    ]
    return re.compile(LEAD + "(?:" + "|".join(parts) + ")", re.MULTILINE | re.IGNORECASE)


def _recital_regex() -> re.Pattern:
    cues = set()
    for language in lexicon.languages().values():
        cues.update(language.recital_cues)
    alt = "|".join(sorted((re.escape(c) for c in cues), key=len, reverse=True))
    return re.compile(rf"^\W*(?:{alt})\b", re.IGNORECASE)


def _ref(match: re.Match) -> str:
    kind = match.lastgroup
    raw = " ".join(match.group(kind).split())
    if kind in ("num", "roman"):
        return raw if raw.endswith(".") or "." in raw else raw + "."
    if kind == "ordinal":
        return raw.upper()
    return raw.rstrip(".") if kind == "word" and not raw.endswith(".") else raw


def _plausible(match: re.Match, text: str) -> bool:
    """Reject numbers that merely start a line inside running text (a year, an amount)."""
    kind = match.lastgroup
    if kind == "num":
        number = match.group("num")
        return len(number.split(".")[0]) <= 2
    if kind == "roman":
        # "I." alone could be a pronoun in a sentence ("I. Smith"): need a capital after it.
        after = text[match.end() : match.end() + 3].strip()
        return bool(after) and (after[0].isupper() or after[0].isdigit())
    return True


def _paragraphs(text: str, start: int, end: int):
    """(start, end) of blank-line-separated paragraphs of text[start:end], trimmed."""
    for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text[start:end]):
        yield start + m.start(), start + m.end()


def segment(text: str) -> list[Clause]:
    """The clauses of `text`, in document order; every non-blank character is in one."""
    regex = _heading_regex()
    found = [(m.start(), m.lastgroup, _ref(m)) for m in regex.finditer(text) if _plausible(m, text)]
    # In a document with worded headings (Article 3, § 3, PRIMERA.-) numbered lines are the
    # paragraphs of an article and stay inside it.
    worded = any(kind in ("word", "para", "ordinal") for _s, kind, _r in found)
    starts = [(s, ref) for s, kind, ref in found if not (worded and kind in ("num", "roman"))]
    pieces: list[tuple[str, int, int]] = []
    if not starts:
        for n, (s, e) in enumerate(_paragraphs(text, 0, len(text)), start=1):
            pieces.append((f"¶ {n}", s, e))
    else:
        pieces.extend(_preamble(text, 0, starts[0][0]))
        parent = ""
        for i, (s, ref) in enumerate(starts):
            e = starts[i + 1][0] if i + 1 < len(starts) else len(text)
            if ref.startswith("(") or (len(ref) <= 5 and ref.endswith(")")):
                ref = f"{parent} {ref}".strip()
            else:
                parent = ref
            pieces.append((ref, s, e))
    clauses = []
    for ref, s, e in pieces:
        # Trim surrounding whitespace but keep offsets exact.
        chunk = text[s:e]
        left = len(chunk) - len(chunk.lstrip())
        right = len(chunk.rstrip())
        if right <= left:
            continue
        clauses.append(
            Clause(
                index=len(clauses), ref=ref, text=chunk[left:right], start=s + left, end=s + right
            )
        )
    return clauses


def _preamble(text: str, start: int, end: int):
    recital = _recital_regex()
    block: tuple[int, int] | None = None
    count = 0
    for s, e in _paragraphs(text, start, end):
        if recital.match(text[s:e]):
            if block:
                yield ("Preamble", *block)
                block = None
            count += 1
            yield (f"Recital {count}", s, e)
        elif block is None:
            block = (s, e)
        else:
            block = (block[0], e)
    if block:
        yield ("Preamble", *block)
