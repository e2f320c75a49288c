import io
import json

import pytest

from twinwise.interchange import readers
from twinwise.interchange.readers import (
    InterchangeError,
    decode_upload,
    detect_format,
    read_cases,
    read_members,
    read_partnerships,
)
from twinwise.interchange.writers import partnership_csv_columns, write_csv

from . import samples

HEADER = "external_id,local.name,local.country,counterpart.name,counterpart.country,counterpart.kind,kind"


def csv_text(*rows, header=HEADER):
    return "\r\n".join([header, *rows]) + "\r\n"


def assert_error(caught, line, field, *fragments):
    """The error names its line and field, as attributes and in the one-line message."""
    error = caught.value
    text = str(error)
    assert error.line == line, text
    assert error.field == field, text
    assert "\n" not in text
    assert text.startswith(f"line {line}" if line is not None else "file")
    if field is not None:
        assert f"field {field}:" in text
    for fragment in fragments:
        assert fragment in text, text


# --- happy paths ----------------------------------------------------------------------------


def test_jsonl_partnerships_with_blank_lines():
    text = (
        "\n"
        + samples.jsonl(samples.partnership())
        + "\n   \n"
        + samples.jsonl(
            samples.partnership(external_id="wd-2", tlp=None, status=None, domains=None)
        )
    )
    records = read_partnerships(text, "jsonl")
    assert [line for line, _ in records] == [2, 5]
    assert records[0][1] == samples.PARTNERSHIP
    assert records[1][1]["tlp"] == "clear"  # the schema default is filled in
    assert "status" not in records[1][1]  # not reported: the app shows "Reported"


def test_jsonl_accepts_crlf_and_unicode_line_separators_inside_strings():
    record = samples.partnership(end_reason="one\u2028two")
    text = samples.jsonl(record).replace("\n", "\r\n") + samples.jsonl(
        samples.partnership(external_id="b")
    )
    records = read_partnerships(text, "jsonl")
    assert [line for line, _ in records] == [1, 2]
    assert records[0][1]["end_reason"] == "one\u2028two"


def test_csv_partnerships_with_all_columns():
    out = io.StringIO()
    write_csv([samples.PARTNERSHIP], out, partnership_csv_columns())
    assert out.getvalue().startswith("external_id,local.name,local.country,local.wikidata,")
    [(line, record)] = read_partnerships(out.getvalue(), "csv")
    assert (line, record) == (2, samples.PARTNERSHIP)


def test_csv_converts_numbers_lists_and_treats_empty_cells_as_absent():
    header = (
        HEADER + ",local.population,local.lat,counterpart.lon,domains,status,x-note,local.x-osm"
    )
    text = csv_text(
        'p1,"Zürich, Stadt",CH,Kunming,CN,city,sister-city,421878,47.37,102.7, culture ; tourism ;,,hi,42',
        header=header,
    )
    [(line, record)] = read_partnerships(text, "csv")
    assert line == 2
    assert record == {
        "external_id": "p1",
        "local": {
            "name": "Zürich, Stadt",
            "country": "CH",
            "population": 421878,
            "lat": 47.37,
            "x-osm": "42",
        },
        "counterpart": {"name": "Kunming", "country": "CN", "kind": "city", "lon": 102.7},
        "kind": "sister-city",
        "domains": ["culture", "tourism"],
        "x-note": "hi",
        "tlp": "clear",
    }


def test_csv_line_numbers_count_physical_lines_of_quoted_cells():
    text = csv_text(
        'a,"Multi\nline",CZ,Beijing,CN,city,sister-city',
        "",
        ",,,,,,",
        "b,Brno,CZ,Shanghai,CN,city,bad-kind",
    )
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "csv")
    assert_error(caught, 6, "kind", "'bad-kind' is not one of sister-city, friendship-city")


def test_cases_happy_path():
    red = samples.case(external_id="case-2", tlp="red", recipients={"users": ["j.doe"]})
    plain = samples.case(external_id="case-3", tlp="green", recipients=None, anonymous=None)
    records = read_cases(samples.jsonl(samples.CASE, red, plain))
    assert [line for line, _ in records] == [1, 2, 3]
    assert records[0][1] == samples.CASE
    assert records[2][1]["anonymous"] is False


def test_members_lines_are_where_each_item_starts():
    other = samples.member(slug="city-of-other", population=None, verified=None)
    text = "[\n  " + json.dumps(samples.MEMBER) + ",\n\n" + json.dumps(other, indent=2) + "\n]\n"
    assert read_members(text) == [(2, samples.MEMBER), (4, other)]
    assert read_members(" [ ] ") == []


# --- format detection and decoding ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("p.csv", "{whatever", "csv"),
        ("P.JSONL", "a,b", "jsonl"),
        ("p.ndjson", "", "jsonl"),
        ("members.json", '\ufeff  [{"slug": 1}]', "json"),
        ("cases.json", '{"external_id": 1}\n', "jsonl"),
        ("upload", '[{"slug": "x"}]', "json"),
        ("upload.txt", '\n{"a": 1}', "jsonl"),
        ("upload.txt", "external_id,kind\nx,y", "csv"),
    ],
)
def test_detect_format(name, text, fmt):
    assert detect_format(name, text) == fmt


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("data.txt", "cannot tell the format of 'data.txt'"), ("data.xlsx", "CSV UTF-8")],
)
def test_detect_format_unknown(name, fragment):
    with pytest.raises(InterchangeError) as caught:
        detect_format(name, "hello world")
    assert_error(caught, None, None, fragment)


def test_utf8_bom_is_accepted_and_dropped():
    text = decode_upload(
        b"\xef\xbb\xbf" + csv_text("a,Zürich,CH,Kunming,CN,city,sister-city").encode(), name="p.csv"
    )
    assert text.startswith("external_id")
    assert read_partnerships(text, "csv")[0][1]["local"]["name"] == "Zürich"
    # readers also drop a BOM left in the text
    assert read_partnerships("\ufeff" + text, "csv")[0][0] == 2


def test_latin1_bytes_name_line_and_byte_position():
    data = csv_text("a,Zürich,CH,Kunming,CN,city,sister-city").encode("latin-1")
    with pytest.raises(InterchangeError) as caught:
        decode_upload(data, name="p.csv")
    assert_error(
        caught,
        2,
        None,
        "the file is not UTF-8 — save it as UTF-8 and try again",
        "byte 0xFC at byte position 4 of the line",
        "'Zürich'",
    )


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_file(data):
    with pytest.raises(InterchangeError) as caught:
        decode_upload(data, name="p.csv")
    assert_error(caught, None, None, "the file is empty")


@pytest.mark.parametrize(
    "reader", [read_cases, read_members, lambda t: read_partnerships(t, "csv")]
)
def test_readers_reject_empty_text(reader):
    with pytest.raises(InterchangeError) as caught:
        reader(" \n\n")
    assert str(caught.value) == "file: the file is empty"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (bytes(range(256)) * 4, "this is not a text file"),
        (b"PK\x03\x04" + bytes(200), "this is not a text file (it looks like a ZIP archive"),
        (b"%PDF-1.7\n\x93\x8c\x8b\x9e", "this is not a text file (it looks like a PDF"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f abc", "this is not a text file"),
        ("external_id\n".encode("utf-16"), "the file is UTF-16 — save it as UTF-8"),
        ("external_id,kind\n".encode("utf-16-le"), "the file is UTF-16"),
    ],
)
def test_binary_garbage(data, fragment):
    with pytest.raises(InterchangeError) as caught:
        decode_upload(data, name="p.csv")
    assert_error(caught, None, None, fragment)


def test_spreadsheet_upload():
    with pytest.raises(InterchangeError, match="save it as CSV UTF-8"):
        decode_upload(b"whatever", name="Partnerships.XLSX")


def test_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1024)
    with pytest.raises(InterchangeError) as caught:
        decode_upload(b"a" * 2048, name="p.csv")
    assert_error(caught, None, None, "the file is too large:", "the limit is")
    with pytest.raises(InterchangeError, match="the file is too large"):
        read_cases("é" * 1000)  # 2000 bytes of UTF-8 in 1000 characters


@pytest.mark.parametrize(
    ("read", "text"),
    [
        (
            lambda t: read_partnerships(t, "jsonl"),
            samples.jsonl(*(samples.partnership(external_id=f"p{i}") for i in range(4))),
        ),
        (
            lambda t: read_partnerships(t, "csv"),
            csv_text(*(f"p{i},Brno,CZ,Shanghai,CN,city,sister-city" for i in range(4))),
        ),
        (read_cases, samples.jsonl(*(samples.case(external_id=f"c{i}") for i in range(4)))),
        (read_members, json.dumps([samples.member(slug=f"m{i}") for i in range(4)])),
    ],
)
def test_too_many_records(monkeypatch, read, text):
    monkeypatch.setattr(readers, "MAX_RECORDS", 3)
    with pytest.raises(InterchangeError) as caught:
        read(text)
    assert_error(
        caught,
        None,
        None,
        "the file is too large: it has more than 3 records; the limit is 3 records",
    )
    monkeypatch.setattr(readers, "MAX_RECORDS", 4)
    assert len(read(text)) == 4


# --- CSV errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("a,Brno,CZ,Shanghai,CN,city", "this row has 6 cells but the header has 7 columns"),
        (
            "a,Brno,CZ,Shanghai,CN,city,sister-city,",
            "this row has 8 cells but the header has 7 columns",
        ),
        ('a,"Brno"x,CZ,Shanghai,CN,city,sister-city', 'a quote (") is followed by more text'),
        (
            'a,"Brno,CZ,Shanghai,CN,city,sister-city',
            'a quote (") opened in this row is never closed',
        ),
    ],
)
def test_malformed_csv_row(row, fragment):
    text = csv_text(
        "ok,Brno,CZ,Shanghai,CN,city,sister-city", row, "z,Brno,CZ,Shanghai,CN,city,sister-city"
    )
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "csv")
    assert_error(caught, 3, None, fragment)


@pytest.mark.parametrize(
    ("header", "field", "fragment"),
    [
        (
            HEADER + ",colour",
            "colour",
            "unknown column 'colour'; the columns are external_id, local.name",
        ),
        (HEADER + ",local", "local", "unknown column 'local'"),
        (HEADER + ",local.colour", "local.colour", "(columns of your own must start with x-)"),
        (HEADER + ",kind", "kind", "the column 'kind' appears twice (columns 7 and 8)"),
        (
            "external_id,local.name,local.country,counterpart.name,counterpart.country,kind",
            "counterpart.kind",
            "required column counterpart.kind missing from the header",
        ),
        (
            HEADER.replace(",", ";"),
            None,
            "separated by semicolons — save the file as comma-separated CSV",
        ),
        (HEADER + ",,", None, "column 8 has no name"),
    ],
)
def test_bad_csv_header(header, field, fragment):
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(csv_text(header=header), "csv")
    assert_error(caught, 1, field, fragment)


def test_x_columns_are_accepted():
    text = csv_text("a,Brno,CZ,Shanghai,CN,city,sister-city,1", header=HEADER + ",x-internal-id")
    assert read_partnerships(text, "csv")[0][1]["x-internal-id"] == "1"


@pytest.mark.parametrize(
    ("column", "cell", "fragment"),
    [
        ("local.population", "lots", "'lots' is not a whole number"),
        ("local.population", "2.5", "'2.5' is not a whole number"),
        (
            "local.lat",
            "50,08",
            "'50,08' is not a number (write decimals with a dot, such as 50.08)",
        ),
        ("local.lon", "nan", "'nan' is not a number"),
        ("local.lat", "91", "91 is above the maximum of 90"),
        ("local.population", "-5", "-5 is below the minimum of 0"),
    ],
)
def test_csv_bad_numbers_name_line_and_field(column, cell, fragment):
    text = csv_text(
        "a,Brno,CZ,Shanghai,CN,city,sister-city,1",
        f'b,Brno,CZ,Shanghai,CN,city,sister-city,"{cell}"',
        header=f"{HEADER},{column}",
    )
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "csv")
    assert_error(caught, 3, column, fragment)


def test_csv_missing_required_cell():
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(csv_text("a,Brno,CZ,Shanghai,CN,,sister-city"), "csv")
    assert_error(caught, 2, "counterpart.kind", "this field is required")


# --- JSON errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragment", "field"),
    [
        ('{"external_id": "b", ', "this line is not valid JSON: Expecting property name", None),
        ("{'external_id': 'b'}", "this line is not valid JSON", None),
        ('["b"]', 'each line must be one JSON object { … }, got ["b"]', None),
        (
            '{"external_id": "b", "external_id": "c"}',
            "the field 'external_id' appears more than once",
            "external_id",
        ),
        ('{"external_id": "b", "local": {"lat": NaN}}', "NaN is not allowed", None),
        ('{"external_id": "b\\u0000"}', "contains a NUL character", "external_id"),
        ('{"external_id": "ok", "local": {"name": "\\ud800"}}', "lone surrogate", "local.name"),
    ],
)
def test_malformed_jsonl(line, fragment, field):
    text = samples.jsonl(samples.partnership(external_id="a")) + "\n" + line + "\n"
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "jsonl")
    assert_error(caught, 3, field, fragment)


def test_pretty_printed_json_is_not_json_lines():
    text = json.dumps([samples.PARTNERSHIP], indent=2)
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "jsonl")
    assert_error(caught, 1, None, "one {…} object on a single line")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('[\n{"slug": "a",\n "name": }\n]', 3, "the file is not valid JSON: Expecting value"),
        (
            '{"slug": "a"}',
            1,
            "expected a JSON list [ … ] of members, but the file starts with '{'; wrap the members in [ and ]",
        ),
        ("[\n" + json.dumps(samples.MEMBER) + ",\n]", 3, "there is a comma after the last item"),
        ("[\n" + json.dumps(samples.MEMBER), 2, "the list is not closed"),
        (
            "[\n" + json.dumps(samples.MEMBER) + "\n]\n]",
            4,
            "there is more text after the end of the list",
        ),
        ("[\n]\n\n{}", 4, "there is more text after the end of the list"),
        (
            "[\n" + json.dumps(samples.MEMBER) + "\n" + json.dumps(samples.MEMBER) + "]",
            3,
            "expected , or ] after an item, found '{'",
        ),
    ],
)
def test_malformed_members_json(text, line, fragment):
    with pytest.raises(InterchangeError) as caught:
        read_members(text)
    assert_error(caught, line, None, fragment)


def test_members_validation_errors_name_the_item_line():
    bad = samples.member(slug="b")
    bad["place"]["country"] = "Germany"
    text = "[\n" + json.dumps(samples.MEMBER) + ",\n" + json.dumps(bad, indent=1) + "\n]"
    with pytest.raises(InterchangeError) as caught:
        read_members(text)
    assert_error(
        caught,
        3,
        "place.country",
        "'Germany' is not a two-letter upper-case ISO 3166-1 country code",
    )


def test_members_duplicate_slug():
    text = json.dumps([samples.MEMBER, samples.member(name="Other")], indent=2)
    with pytest.raises(InterchangeError) as caught:
        read_members(text)
    assert_error(caught, 13, "slug", "'city-of-example' is used twice, on line 2 and on line 13")


# --- validation errors ----------------------------------------------------------------------


def read_one_bad_partnership(fmt, **changes):
    """Line 1 valid, line 2 (JSONL) or row 3 (CSV) bad; returns the raised error."""
    good, bad = samples.partnership(external_id="good"), samples.partnership(**changes)
    if fmt == "jsonl":
        text = samples.jsonl(good, bad)
    else:
        out = io.StringIO()
        write_csv([good, bad], out, partnership_csv_columns())
        text = out.getvalue()
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, fmt)
    return caught


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        (
            {"kind": "twin-town"},
            "kind",
            "'twin-town' is not one of sister-city, friendship-city, memorandum-of-understanding",
        ),
        (
            {"counterpart": {"name": "B", "country": "CN", "kind": "town"}},
            "counterpart.kind",
            "'town' is not one of city, province, foreign-affairs-office",
        ),
        (
            {"domains": ["culture", "sports"]},
            "domains",
            "'sports' is not one of culture, investment-trade",
        ),
        ({"domains": ["culture", "culture"]}, "domains", "'culture' is listed more than once"),
        (
            {"status": "zombie"},
            "status",
            "'zombie' is not one of proposed, active, dormant, suspended, ended",
        ),
        ({"tlp": "white"}, "tlp", "'white' is not one of red, amber-strict, amber, green, clear"),
        ({"signed_on": "2021-02-30"}, "signed_on", "'2021-02-30' is not a real calendar date"),
        (
            {"ended_on": "2021-13"},
            "ended_on",
            "'2021-13' is not a date written YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        ({"ended_on": "19.10.2019"}, "ended_on", "'19.10.2019' is not a date written"),
        (
            {"local": {"name": "Prague", "country": "cz"}},
            "local.country",
            "'cz' is not a two-letter upper-case ISO 3166-1 country code",
        ),
        (
            {"local": {"name": "Prague", "country": "CZE"}},
            "local.country",
            "'CZE' is not a two-letter",
        ),
        (
            {"local": {"name": "Prague", "country": "CZ", "wikidata": "Q01"}},
            "local.wikidata",
            "'Q01' is not a Wikidata id such as Q1085",
        ),
        (
            {"local": {"name": "Prague", "country": "CZ", "lon": -181.5}},
            "local.lon",
            "-181.5 is below the minimum of -180",
        ),
        ({"local": {"name": "Prague"}}, "local.country", "this field is required"),
        (
            {"external_id": "x" * 201},
            "external_id",
            "is too long: 201 characters, the limit is 200",
        ),
        (
            {"counterpart": {"name": "B" * 201, "country": "CN", "kind": "city"}},
            "counterpart.name",
            "is too long: 201 characters, the limit is 200",
        ),
        (
            {"local": {"name": "P", "country": "CZ", "wikidata": "Q" + "1" * 20}},
            "local.wikidata",
            "the limit is 20",
        ),
    ],
)
def test_bad_partnership_values(fmt, changes, field, fragment):
    caught = read_one_bad_partnership(fmt, **changes)
    assert_error(caught, 2 if fmt == "jsonl" else 3, field, fragment)


def test_padded_external_id():
    # JSONL keeps values as written, so " padded" is refused; CSV cells are trimmed
    caught = read_one_bad_partnership("jsonl", external_id=" padded")
    assert_error(
        caught,
        2,
        "external_id",
        "' padded' is not an id of 1 to 200 characters with no spaces at either end",
    )
    text = csv_text(" padded ,Brno,CZ,Shanghai,CN,city,sister-city")
    assert read_partnerships(text, "csv")[0][1]["external_id"] == "padded"


def test_unknown_field_in_jsonl():
    caught = read_one_bad_partnership("jsonl", colour="red")
    assert_error(
        caught,
        2,
        "colour",
        "unknown field 'colour'; the fields here are external_id, local, counterpart, kind",
        "fields of your own must start with x-",
    )


def test_unknown_nested_field_in_jsonl():
    caught = read_one_bad_partnership("jsonl", local={"name": "P", "country": "CZ", "osm": 1})
    assert_error(
        caught, 2, "local.osm", "unknown field 'osm'; the fields here are name, country, wikidata"
    )


def test_x_fields_accepted_in_jsonl():
    record = samples.partnership(**{"x-source-row": 17, "x-tags": ["a"]})
    record["counterpart"]["x-pinyin"] = "Běijīng"
    assert read_partnerships(samples.jsonl(record), "jsonl")[0][1] == record


def test_unknown_field_is_reported_before_the_missing_one_it_probably_replaces():
    caught = read_one_bad_partnership("jsonl", kind=None, kidn="sister-city")
    assert_error(caught, 2, "kidn", "unknown field 'kidn'")


def test_wrong_types_in_jsonl():
    caught = read_one_bad_partnership("jsonl", domains="culture")
    assert_error(caught, 2, "domains", "expected a list, got 'culture'")
    caught = read_one_bad_partnership("jsonl", signed_on=2016)
    assert_error(caught, 2, "signed_on", "expected text, got 2016")
    caught = read_one_bad_partnership(
        "jsonl", local={"name": "P", "country": "CZ", "population": True}
    )
    assert_error(caught, 2, "local.population", "expected a whole number, got true")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_duplicate_external_id_names_both_lines(fmt):
    records = [samples.partnership(external_id=e) for e in ("a", "b", "c", "b")]
    if fmt == "jsonl":
        text, lines = samples.jsonl(*records), (2, 4)
    else:
        out = io.StringIO()
        write_csv(records, out, partnership_csv_columns())
        text, lines = out.getvalue(), (3, 5)
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, fmt)
    assert_error(
        caught,
        lines[1],
        "external_id",
        f"'b' is used twice, on line {lines[0]} and on line {lines[1]}",
    )


def test_first_error_wins():
    text = (
        samples.jsonl(
            samples.partnership(external_id="a"),
            samples.partnership(external_id="b", kind="nope"),
            samples.partnership(external_id="a"),
        )
        + "{broken\n"
    )
    with pytest.raises(InterchangeError) as caught:
        read_partnerships(text, "jsonl")
    assert_error(caught, 2, "kind", "'nope' is not one of")


def test_partnerships_in_another_format():
    with pytest.raises(
        InterchangeError, match="partnerships must be CSV or JSON Lines, not 'json'"
    ):
        read_partnerships("[]", "json")


# --- cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        (
            {"tlp": "green"},
            "recipients",
            "recipients are only allowed when tlp is amber (recipients.members) or red (recipients.users)",
        ),
        ({"tlp": "clear"}, "recipients", "recipients are only allowed when tlp is amber"),
        ({"tlp": "amber-strict"}, "recipients", "recipients are only allowed when tlp is amber"),
        (
            {"tlp": "red"},
            "recipients.members",
            "recipients.members is only allowed when tlp is amber",
        ),
        (
            {"recipients": {"members": ["a"], "users": ["j.doe"]}},
            "recipients.users",
            "recipients.users is only allowed when tlp is red",
        ),
        ({"tlp": None}, "tlp", "this field is required"),
        (
            {"language": "eng"},
            "language",
            "'eng' is not a two-letter lower-case ISO 639-1 language code",
        ),
        ({"language": "EN"}, "language", "'EN' is not a two-letter"),
        ({"occurred_on": "2021-02-29"}, "occurred_on", "'2021-02-29' is not a real calendar date"),
        ({"topics": ["tibet", "weather"]}, "topics", "'weather' is not one of taiwan, tibet"),
        ({"case_type": "request"}, "case_type", "'request' is not one of demand, complaint"),
        ({"counterpart": {"name": "X"}}, "counterpart.kind", "this field is required"),
        ({"member": "City of Example"}, "member", "'City of Example' is not a slug"),
        ({"anonymous": "no"}, "anonymous", "expected true or false, got 'no'"),
        ({"summary": ""}, "summary", "must not be empty"),
        ({"reporter": "me"}, "reporter", "unknown field 'reporter'"),
    ],
)
def test_bad_cases(changes, field, fragment):
    text = samples.jsonl(samples.case(external_id="ok"), samples.case(**changes))
    with pytest.raises(InterchangeError) as caught:
        read_cases(text)
    assert_error(caught, 2, field, fragment)


def test_case_recipients_on_the_right_levels():
    records = read_cases(
        samples.jsonl(
            samples.case(external_id="a", tlp="amber", recipients={"members": ["x", "y"]}),
            samples.case(external_id="b", tlp="red", recipients={"users": ["j.doe", "a@b.org"]}),
            samples.case(external_id="c", tlp="green", recipients=None),
            samples.case(external_id="d", occurred_on="2021", **{"x-origin": "survey"}),
        )
    )
    assert len(records) == 4


def test_error_as_dict_and_str():
    error = InterchangeError("boom", line=7, field="counterpart.kind")
    assert str(error) == "line 7, field counterpart.kind: boom"
    assert error.as_dict() == {"line": 7, "field": "counterpart.kind", "message": "boom"}
    assert str(InterchangeError("the file is empty")) == "file: the file is empty"
