"""How alike two reports are, and why: the final score of a candidate and its reasons.

score = 0.45 × cosine of the sentence embeddings (multilingual: a German and a French
        report of the same situation score high)
      + structured signals (index.SIGNAL_WEIGHTS: same counterpart, same kind of
        counterpart, case type, shared topics, channel, response)
      + 0.10 × word overlap (the words of cases/search.py, four letters or more)

ADR 0017 records the weights and how they were chosen (tests/similar/evalset.py,
`make eval-similar`). Every reason is a translatable string made only from fields the reader
may see anyway (case_present shows counterpart, type, topics, channel and response).
"""

import math
import re
from dataclasses import dataclass

from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from twinwise.cases.search import text_words
from twinwise.core import taxonomy

from .index import SEMANTIC_WEIGHT, SIGNAL_WEIGHTS, Query

LEXICAL_WEIGHT = 0.10
MIN_WORD = 4
# A cosine from here on reads as "describes a similar situation".
SEMANTIC_REASON = 0.4
LEXICAL_REASON = 0.2
# Near-duplicates: almost the same text (the draft hint warns about these).
DUPLICATE_COSINE = 0.9
DUPLICATE_WORDS = 0.75
LEXICAL_FIELDS = ("title", "counterpart_name", "summary", "demand", "response")
# Kinds of counterpart that act alike: an embassy and a consulate are both the Chinese
# state's diplomatic missions; a city, its province and its Foreign Affairs Office are all
# local government. A related kind counts half as much as the same kind.
KIND_FAMILIES = {
    "embassy": "diplomatic",
    "consulate": "diplomatic",
    "city": "local-government",
    "province": "local-government",
    "foreign-affairs-office": "local-government",
}
_SPACES = re.compile(r"\s+")


def counterpart_key(case) -> str:
    """Who the counterpart is, as a key: its directory id, else its name folded."""
    if getattr(case, "counterpart_id", None):
        return f"id:{case.counterpart_id}"
    name = " ".join(text_words(case.counterpart_name or ""))
    return f"name:{name}" if name else ""


def index_query(case, vector) -> Query:
    return Query(
        vector=vector,
        counterpart=counterpart_key(case),
        counterpart_kind=case.counterpart_kind or "",
        case_type=case.case_type or "",
        channel=case.channel or "",
        response_type=case.response_type or "",
        topics=tuple(case.topics or ()),
    )


def content_words(case) -> frozenset[str]:
    text = " ".join(str(getattr(case, f, "") or "") for f in LEXICAL_FIELDS)
    return frozenset(w for w in text_words(text) if len(w) >= MIN_WORD and not w.isdigit())


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of the two word sets: 1 for the same words, 0 for none shared."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


@dataclass
class Match:
    case: object
    score: float
    semantic: float
    lexical: float
    why: list[str]
    duplicate: bool


def _label(name: str, value: str) -> str:
    try:
        return _(taxonomy.label(name, value)).lower()
    except KeyError:
        return value


def _language(code: str) -> str:
    try:
        return _(get_language_info(code)["name"])
    except KeyError:
        return code


def score(query_case, query_words, candidate, cosine: float, *, explain: bool = True) -> Match:
    """The final score of `candidate` for the query, with the reasons a reader sees
    (`explain=False`: the score only — reasons cost translations, needed for the best few)."""
    signals = 0.0
    reasons: list = []  # callables: translated only when explained
    q_key, c_key = counterpart_key(query_case), counterpart_key(candidate)
    q_kind, c_kind = query_case.counterpart_kind, candidate.counterpart_kind
    same_counterpart = bool(q_key) and q_key == c_key
    if same_counterpart:
        signals += SIGNAL_WEIGHTS["counterpart"]
        reasons.append(
            (lambda: _("same %(kind)s") % {"kind": _label("counterpart_kinds", c_kind)})
            if c_kind
            else (lambda: _("same counterpart"))
        )
    if q_kind and q_kind == c_kind:
        signals += SIGNAL_WEIGHTS["counterpart_kind"]
        if not same_counterpart:
            reasons.append(
                lambda: _("another %(kind)s") % {"kind": _label("counterpart_kinds", c_kind)}
            )
    elif KIND_FAMILIES.get(q_kind or "") and KIND_FAMILIES.get(q_kind) == KIND_FAMILIES.get(
        c_kind or ""
    ):
        signals += SIGNAL_WEIGHTS["counterpart_kind"] / 2
        reasons.append(
            (lambda: _("also a diplomatic mission"))
            if KIND_FAMILIES[c_kind] == "diplomatic"
            else (lambda: _("also local government"))
        )
    c_type = candidate.case_type
    if query_case.case_type and query_case.case_type == c_type:
        signals += SIGNAL_WEIGHTS["case_type"]
        reasons.append(
            lambda: _("kind of case: %(case_type)s") % {"case_type": _label("case_types", c_type)}
        )
    q_topics, c_topics = set(query_case.topics or ()), set(candidate.topics or ())
    if q_topics and c_topics:
        shared = [t for t in taxonomy.ids("topics") if t in q_topics & c_topics]
        signals += SIGNAL_WEIGHTS["topics"] * len(shared) / len(q_topics | c_topics)
        if shared:
            reasons.append(lambda: _("topics: %(topics)s") % {"topics": ", ".join(shared)})
    channel = candidate.channel
    if query_case.channel and query_case.channel == channel:
        signals += SIGNAL_WEIGHTS["channel"]
        reasons.append(lambda: _("channel: %(channel)s") % {"channel": _label("channels", channel)})
    response = candidate.response_type
    if query_case.response_type and query_case.response_type == response:
        signals += SIGNAL_WEIGHTS["response_type"]
        reasons.append(
            lambda: _("response: %(response)s") % {"response": _label("response_types", response)}
        )
    words = content_words(candidate)
    lexical = word_overlap(query_words, words)
    if cosine >= SEMANTIC_REASON:
        q_lang, c_lang = query_case.language, candidate.language
        if c_lang and q_lang != c_lang:
            reasons.append(
                lambda: (
                    _("a similar situation, written in %(language)s")
                    % {"language": _language(c_lang)}
                )
            )
        else:
            reasons.append(lambda: _("a similar situation"))
    if lexical >= LEXICAL_REASON:
        shared_words = sorted(query_words & words, key=lambda w: (-len(w), w))[:3]
        reasons.append(lambda: _("shared words: %(words)s") % {"words": ", ".join(shared_words)})
    duplicate = cosine >= DUPLICATE_COSINE or lexical >= DUPLICATE_WORDS
    if duplicate:
        reasons.insert(0, lambda: _("nearly the same report"))
    if not reasons:
        # Every result says why, even when little does: the reader judges.
        reasons.append(lambda: _("little in common"))
    total = SEMANTIC_WEIGHT * max(cosine, 0.0) + signals + LEXICAL_WEIGHT * lexical
    why = [reason() for reason in reasons] if explain else []
    return Match(candidate, total, cosine, lexical, why, duplicate)
