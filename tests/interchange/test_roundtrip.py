"""Properties: writer → reader round trips, and the fast check agrees with jsonschema."""

import copy
import datetime
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twinwise.core import taxonomy
from twinwise.interchange import readers
from twinwise.interchange.readers import read_partnerships, validate
from twinwise.interchange.writers import drop_none, partnership_csv_columns, write_csv, write_jsonl

from . import samples

# Any text a person could type: no NUL, no lone surrogates, no spaces at either end
# (CSV cells are trimmed, and a cell of only spaces is empty).
text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=20
).filter(lambda s: s == s.strip() != "")
external_ids = text.filter(lambda s: re.fullmatch(r"\S(.*\S)?", s) is not None)


def taxonomy_id(name):
    return st.sampled_from(taxonomy.ids(name))


partial_dates = st.tuples(
    st.dates(min_value=datetime.date(1000, 1, 1)), st.sampled_from([4, 7, 10])
).map(lambda pair: pair[0].isoformat()[: pair[1]])
latitudes = st.one_of(st.floats(-90, 90, allow_nan=False), st.integers(-90, 90))
longitudes = st.one_of(st.floats(-180, 180, allow_nan=False), st.integers(-180, 180))
place_optional = {
    "wikidata": st.integers(1, 10**9).map(lambda n: f"Q{n}"),
    "population": st.integers(0, 10**10),
    "lat": latitudes,
    "lon": longitudes,
    "x-osm": text,
}
countries = st.from_regex(r"[A-Z]{2}", fullmatch=True)

partnerships = st.fixed_dictionaries(
    {
        "external_id": external_ids,
        "local": st.fixed_dictionaries(
            {"name": text, "country": countries}, optional=place_optional
        ),
        "counterpart": st.fixed_dictionaries(
            {"name": text, "country": countries, "kind": taxonomy_id("counterpart_kinds")},
            optional=place_optional,
        ),
        "kind": taxonomy_id("partnership_kinds"),
    },
    optional={
        "domains": st.lists(taxonomy_id("partnership_domains"), min_size=1, unique=True),
        "status": st.one_of(st.none(), taxonomy_id("partnership_statuses")),
        "signed_on": partial_dates,
        "ended_on": partial_dates,
        "end_reason": text,
        "source": text,
        "tlp": taxonomy_id("tlp_levels"),
        "x-note": text,
    },
)
files = st.lists(partnerships, min_size=1, max_size=4, unique_by=lambda r: r["external_id"])
COLUMNS = [*partnership_csv_columns(), "x-note", "local.x-osm", "counterpart.x-osm"]


def expected(record):
    return {"tlp": "clear", **drop_none(record)}


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(files)
def test_jsonl_round_trip(records):
    for record in records:
        validate("partnership", record)
    out = io.StringIO()
    assert write_jsonl(records, out) == len(records)
    read = read_partnerships(out.getvalue(), "jsonl")
    assert [line for line, _ in read] == list(range(1, len(records) + 1))
    assert [record for _, record in read] == [expected(r) for r in records]


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(files)
def test_csv_round_trip(records):
    out = io.StringIO()
    assert write_csv(records, out, COLUMNS) == len(records)
    read = read_partnerships(out.getvalue(), "csv")
    lines = [line for line, _ in read]
    assert lines[0] == 2 and lines == sorted(set(lines))
    assert [record for _, record in read] == [expected(r) for r in records]


# --- the fast check never accepts what jsonschema refuses -----------------------------------

ODD_VALUES = [None, True, 1, 1.0, 2.5, -1, 91, 1e300, "", "x", "cz", "Q0", "2021-02-30",
              "2021-13", "red", "amber", "culture", "x" * 201, [], ["nope"], ["culture", "culture"],
              [1, True], {}, {"x-a": 1}, {"users": ["u"]}, {"name": "A", "country": "DE"}]  # fmt: skip
PLACE_EXTRAS = {"population": 5, "lat": 1.5, "lon": -2, "x-osm": "1"}


def _full(schema):
    if schema == "partnership":
        record = samples.partnership(**{"x-note": "n"})
        record["local"].update(PLACE_EXTRAS)
        record["counterpart"].update(PLACE_EXTRAS)
        return record
    if schema == "case":
        return samples.case(**{"x-note": "n"})
    record = samples.member(**{"x-note": "n"})
    record["place"].update(PLACE_EXTRAS)
    return record


def _mutations(record):
    """The record, and copies with one field replaced, removed, or one field added."""
    yield record
    stack = [((), record)]
    while stack:
        path, node = stack.pop()
        for key in [*node, "foo", "x-foo"]:
            values = ODD_VALUES if key in node else [1]
            for value in [*values, "delete"]:
                if value == "delete" and key not in node:
                    continue
                copy_ = copy.deepcopy(record)
                target = copy_
                for part in path:
                    target = target[part]
                if value == "delete":
                    del target[key]
                else:
                    target[key] = value
                yield copy_
            if isinstance(node.get(key), dict):
                stack.append(((*path, key), node[key]))


def _case_sharing_variants():
    for tlp in taxonomy.ids("tlp_levels"):
        for recipients in (None, {}, {"members": ["a"]}, {"users": ["u"]},
                           {"members": ["a"], "users": ["u"]}):  # fmt: skip
            yield samples.case(tlp=tlp, recipients=recipients)


def _float_integer_or_odd_list(value):
    if isinstance(value, dict):
        return any(_float_integer_or_odd_list(v) for v in value.values())
    if isinstance(value, list):
        return not all(isinstance(v, str) for v in value)
    return isinstance(value, float) and value.is_integer()


@pytest.mark.parametrize("schema", readers.SCHEMAS)
def test_fast_check_agrees_with_jsonschema(schema):
    fast, full = readers._fast_check(schema), readers._validator(schema)
    records = list(_mutations(_full(schema)))
    if schema == "case":
        records += list(_case_sharing_variants())
    outcomes = set()
    for record in records:
        instance = [record] if schema == "members" else record
        valid = full.is_valid(instance)
        outcomes.add(valid)
        if fast(instance):  # never accept what jsonschema refuses
            assert valid, record
        elif valid:  # only values the fast check is unsure about take the slow path
            assert _float_integer_or_odd_list(record), record
    assert outcomes == {True, False}
