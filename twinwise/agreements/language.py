"""Which language a text is in, from the stopword lists of the lexicon files.

Counting function words is crude but predictable, fast and offline, and works on a single
clause of ten words. A text whose best language covers too few of its words is "none of
ours" (None): the checker then segments it but flags nothing.
"""

import re
from collections import Counter

from . import lexicon

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
MIN_HITS = 2
MIN_SHARE = 0.12
SAMPLE_CHARS = 40_000


def scores(text: str) -> dict[str, float]:
    """Share of the words of `text` that are stopwords of each language."""
    words = [w.lower() for w in WORD.findall(text[:SAMPLE_CHARS])]
    if not words:
        return {}
    counts = Counter(words)
    # Letters outside a-z per word (ä, é, ě …), to count words a language cannot spell.
    special = {w: frozenset(ch for ch in w if not ("a" <= ch <= "z")) for w in counts}
    special = {w: chars for w, chars in special.items() if chars}
    elided = Counter()
    for w, n in counts.items():
        if "'" in w or "’" in w:
            elided[re.split("['’]", w)[0] + "'"] += n
    result = {}
    for code, language in lexicon.languages().items():
        # One-letter stopwords (a, o, y, e, à) are shared with many languages: half weight.
        hits = sum(
            counts[w] * (0.5 if len(w) == 1 else 1.0) for w in counts.keys() & language.stopwords
        )
        # Elided forms (l'accord, dell'accordo) count by their first part.
        hits += sum(elided[w] for w in elided.keys() & language.stopwords)
        # Words with letters the language does not use (ě, ř, ł, ő …) count against it.
        foreign = sum(counts[w] for w, chars in special.items() if not chars <= language.letters)
        result[code] = (hits - foreign) / len(words) if hits >= MIN_HITS else 0.0
    return result


def detect(text: str) -> str | None:
    """The code of the language of `text`, or None when it is none of the lexicon's."""
    found = scores(text)
    if not found:
        return None
    code, share = max(found.items(), key=lambda item: (item[1], item[0] == "en"))
    return code if share >= MIN_SHARE else None
