"""The JSON Schema files: valid Draft 2020-12, enums taken from the taxonomy files.

Single source of truth: the taxonomy JSON files. The schema files are complete, standalone
documents for other programs, so their enums are copies; these tests fail on any drift.
"""

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from twinwise.core import taxonomy
from twinwise.interchange import readers
from twinwise.interchange.readers import InterchangeError, load_schema, validate

from . import samples

SCHEMAS = {name: load_schema(name) for name in readers.SCHEMAS}


@pytest.mark.parametrize("name", readers.SCHEMAS)
def test_schema_is_valid_draft_2020_12(name):
    schema = SCHEMAS[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", readers.SCHEMAS)
def test_taxonomy_enums_equal_the_taxonomy_files(name):
    defs = SCHEMAS[name]["$defs"]
    taxonomy_defs = [key for key in defs if key in taxonomy.NAMES]
    assert bool(taxonomy_defs) == (name != "members")
    for key in taxonomy_defs:
        assert defs[key]["enum"] == list(taxonomy.ids(key)), f"{name}: $defs/{key} drifted"


def _enums_outside_taxonomy_defs(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$defs":
                for name, sub in value.items():
                    if name not in taxonomy.NAMES:
                        yield from _enums_outside_taxonomy_defs(sub, f"{path}/$defs/{name}")
            elif key in ("enum", "const"):
                yield path, value if key == "enum" else [value]
            else:
                yield from _enums_outside_taxonomy_defs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            yield from _enums_outside_taxonomy_defs(value, path)


@pytest.mark.parametrize("name", readers.SCHEMAS)
def test_no_enum_lives_outside_a_taxonomy_def(name):
    # The only literal ids elsewhere are the tlp levels used by the recipients rules.
    for path, values in _enums_outside_taxonomy_defs(SCHEMAS[name]):
        assert set(values) <= set(taxonomy.ids("tlp_levels")), path


def test_shared_defs_are_identical_in_every_schema():
    seen = {}
    for name, schema in SCHEMAS.items():
        for key, value in schema["$defs"].items():
            if key in seen:
                assert value == seen[key][1], f"$defs/{key} differs in {name} and {seen[key][0]}"
            else:
                seen[key] = (name, value)


FIELD_TAXONOMIES = [
    ("partnership", "kind", "partnership_kinds"),
    ("partnership", "counterpart.kind", "counterpart_kinds"),
    ("partnership", "domains", "partnership_domains"),
    ("partnership", "status", "partnership_statuses"),
    ("partnership", "tlp", "tlp_levels"),
    ("case", "counterpart.kind", "counterpart_kinds"),
    ("case", "case_type", "case_types"),
    ("case", "topics", "topics"),
    ("case", "channel", "channels"),
    ("case", "response_type", "response_types"),
    ("case", "tlp", "tlp_levels"),
]


def _with(record, field, value):
    record = copy.deepcopy(record)
    *parents, last = field.split(".")
    target = record
    for part in parents:
        target = target[part]
    target[last] = value
    return record


@pytest.mark.parametrize(("schema", "field", "name"), FIELD_TAXONOMIES)
def test_each_field_accepts_exactly_its_taxonomy(schema, field, name):
    base = samples.partnership() if schema == "partnership" else samples.case(recipients=None)
    is_list = field in ("domains", "topics")
    for id_ in taxonomy.ids(name):
        validate(schema, _with(base, field, [id_] if is_list else id_))
    with pytest.raises(InterchangeError) as caught:
        validate(schema, _with(base, field, ["nope"] if is_list else "nope"))
    assert caught.value.field == field
    assert ", ".join(taxonomy.ids(name)) in caught.value.message


def test_spec_examples_are_valid():
    validate("partnership", samples.partnership())
    validate("case", samples.case())
    validate("members", samples.member())
    assert SCHEMAS["members"]["type"] == "array"
    Draft202012Validator(SCHEMAS["members"]).validate([samples.member()])


def test_status_may_be_missing_or_null():
    validate("partnership", samples.partnership(status=None))
    record = samples.partnership()
    record["status"] = None
    validate("partnership", record)


def test_x_fields_are_allowed_everywhere_other_fields_nowhere():
    record = samples.partnership(**{"x-note": {"any": ["thing"]}})
    record["local"]["x-osm"] = 123
    validate("partnership", record)
    record["local"]["osm"] = 123
    with pytest.raises(InterchangeError, match="unknown field 'osm'") as caught:
        validate("partnership", record)
    assert caught.value.field == "local.osm"


@pytest.mark.parametrize("name", readers.SCHEMAS)
def test_schema_files_are_standalone(name):
    # other programs can use each file alone: every $ref points inside the same file
    refs = [part.split('"')[0] for part in json.dumps(SCHEMAS[name]).split('"$ref": "')[1:]]
    assert refs
    assert all(ref.startswith("#/$defs/") for ref in refs)
    assert all(ref.removeprefix("#/$defs/") in SCHEMAS[name]["$defs"] for ref in refs)
