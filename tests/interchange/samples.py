"""Valid sample records shared by the interchange tests (the examples of INTERCHANGE.md)."""

import copy
import json

PARTNERSHIP = {
    "external_id": "wd-Q1085-Q956",
    "local": {"name": "Prague", "country": "CZ", "wikidata": "Q1085"},
    "counterpart": {"name": "Beijing", "country": "CN", "wikidata": "Q956", "kind": "city"},
    "kind": "sister-city",
    "domains": ["culture", "general-bilateral"],
    "status": "ended",
    "signed_on": "2016-03-29",
    "ended_on": "2019-10-09",
    "end_reason": "Beijing refused to remove the one-China clause",
    "source": "https://www.wikidata.org/wiki/Q1085",
    "tlp": "clear",
}

CASE = {
    "external_id": "case-0001",
    "member": "city-of-example",
    "title": "Consulate asks to cancel Tibetan film screening",
    "occurred_on": "2021-02",
    "counterpart": {"kind": "consulate", "name": "Consulate General of the PRC in Munich"},
    "case_type": "demand",
    "topics": ["tibet", "culture"],
    "channel": "letter",
    "summary": "…what happened…",
    "demand": "…what was asked…",
    "response": "…what the city did…",
    "response_type": "declined",
    "outcome": "…how it ended…",
    "lessons": "…what others should know…",
    "language": "en",
    "tlp": "amber",
    "anonymous": False,
    "recipients": {"members": ["city-of-other"]},
}

MEMBER = {
    "slug": "city-of-example",
    "name": "City of Example — International Office",
    "place": {"name": "Example", "country": "DE", "wikidata": "Q1234"},
    "population": 250000,
    "verified": True,
}


def partnership(**changes):
    """A copy of PARTNERSHIP with top-level changes (a value of None removes the field)."""
    return _changed(PARTNERSHIP, changes)


def case(**changes):
    return _changed(CASE, changes)


def member(**changes):
    return _changed(MEMBER, changes)


def _changed(base, changes):
    record = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def jsonl(*records):
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
