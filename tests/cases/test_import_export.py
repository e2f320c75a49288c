"""`twinwise import cases` and `twinwise export cases`: all-or-nothing, idempotent by
external_id, operators only; the export holds exactly what a user may see, redacted the
same way as the pages, and reads back unchanged."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import Organisation, User
from twinwise.cases.interchange import cases_import, export_cases
from twinwise.cases.models import Case, CaseRecipientOrganisation, CaseRecipientUser, CaseRevision
from twinwise.interchange.readers import read_cases

pytestmark = pytest.mark.django_db


def org(slug, iso2, *, verified=True, population=300_000):
    place = factories.place(slug.title(), iso2, population=population)
    return Organisation.objects.create(
        slug=slug,
        name=f"{slug.title()} international office",
        place=place,
        country=place.country,
        population=population,
        verified=verified,
    )


@pytest.fixture
def network(db):
    orgs = {
        "lyon": org("lyon", "FR"),
        "munich": org("munich", "DE", population=1_500_000),
        "gothenburg": org("gothenburg", "SE", population=600_000),
        "pilsen": org("pilsen", "CZ", verified=False),
    }
    users = {}
    for name, slug, role in (
        ("lyon_admin", "lyon", "admin"),
        ("lyon_officer", "lyon", "officer"),
        ("munich_officer", "munich", "officer"),
        ("gothenburg_officer", "gothenburg", "officer"),
    ):
        users[name] = User.objects.create_user(
            name, password="x", organisation=orgs[slug], role=role
        )
    return orgs, users


RECORDS = [
    {
        "external_id": "case-0001",
        "member": "lyon",
        "title": "Consulate asks to cancel Tibetan film screening",
        "occurred_on": "2021-02",
        "counterpart": {"kind": "consulate", "name": "Consulate General of the PRC in Lyon"},
        "case_type": "demand",
        "topics": ["tibet", "culture"],
        "channel": "letter",
        "summary": "The consulate wrote to the mayor.",
        "demand": "Cancel the screening.",
        "response": "The city declined.",
        "response_type": "declined",
        "outcome": "The screening went ahead.",
        "lessons": "Answer in writing.",
        "language": "en",
        "tlp": "green",
    },
    {
        "external_id": "case-0002",
        "member": "lyon",
        "title": "Offre de voyage tous frais payés",
        "occurred_on": "2023-05-04",
        "case_type": "offer",
        "summary": "Une invitation tous frais payés pour le conseil municipal.",
        "tlp": "amber",
        "recipients": {"members": ["munich"]},
    },
    {
        "external_id": "case-0003",
        "member": "lyon",
        "title": "Threat against a councillor",
        "occurred_on": "2024",
        "counterpart": {"kind": "embassy", "name": "Embassy of the PRC"},
        "case_type": "threat",
        "summary": "A message with implied consequences.",
        "tlp": "red",
        "recipients": {"users": ["munich_officer"]},
    },
    {
        "external_id": "case-0004",
        "member": "gothenburg",
        "title": "Port visit pressure",
        "occurred_on": "2022",
        "case_type": "retaliation",
        "summary": "Visits were cancelled after a Taiwan delegation.",
        "tlp": "green",
        "anonymous": True,
    },
    {
        "external_id": "case-0005",
        "member": "lyon",
        "title": "A public report",
        "occurred_on": "2020",
        "case_type": "positive-cooperation",
        "summary": "A student exchange that worked well.",
        "tlp": "clear",
    },
]


def jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write(tmp_path, records, name="cases.jsonl"):
    path = tmp_path / name
    path.write_text(jsonl(records) if not isinstance(records, str) else records, encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def export(*args):
    code, out, err = run("export", "cases", *args)
    assert code == 0, err
    return out


def export_records(*args):
    return [json.loads(line) for line in export("--format", "jsonl", *args).splitlines()]


def without_x(record):
    return {k: v for k, v in record.items() if not k.startswith("x-")}


# -- import -------------------------------------------------------------------------------


def test_import_creates_published_cases(network, tmp_path):
    orgs, users = network
    code, out, err = run("import", "cases", str(write(tmp_path, RECORDS)))
    assert code == 0, err
    assert out.strip() == "5 cases: 5 created, 0 updated, 0 unchanged"
    first = Case.objects.get(external_id="case-0001")
    assert first.state == "published" and first.published_at and first.author is None
    assert first.organisation == orgs["lyon"] and first.occurred_year == 2021
    assert (first.counterpart_kind, first.counterpart_name) == (
        "consulate",
        "Consulate General of the PRC in Lyon",
    )
    assert first.topics == ["tibet", "culture"]
    assert CaseRecipientOrganisation.objects.filter(
        case__external_id="case-0002", organisation=orgs["munich"]
    ).exists()
    assert CaseRecipientUser.objects.filter(
        case__external_id="case-0003", user=users["munich_officer"]
    ).exists()
    assert set(CaseRevision.objects.values_list("action", flat=True)) == {"import"}


def test_import_is_idempotent_and_updates_in_place(network, tmp_path):
    path = write(tmp_path, RECORDS)
    run("import", "cases", str(path))
    code, out, _err = run("import", "cases", str(path))
    assert code == 0 and out.strip() == "5 cases: 0 created, 0 updated, 5 unchanged"
    changed = [dict(RECORDS[0], title="A new title"), *RECORDS[1:]]
    changed[1] = dict(changed[1], tlp="amber-strict", recipients=None)
    del changed[1]["recipients"]
    code, out, _err = run("import", "cases", str(write(tmp_path, changed)))
    assert out.strip() == "5 cases: 0 created, 2 updated, 3 unchanged"
    assert Case.objects.count() == 5
    assert Case.objects.get(external_id="case-0001").title == "A new title"
    assert not CaseRecipientOrganisation.objects.filter(case__external_id="case-0002").exists()


def test_a_withdrawn_case_stays_withdrawn_on_reimport(network, tmp_path):
    path = write(tmp_path, RECORDS)
    run("import", "cases", str(path))
    Case.objects.filter(external_id="case-0001").update(state="withdrawn")
    run("import", "cases", str(write(tmp_path, [dict(RECORDS[0], title="Changed")])))
    assert Case.objects.get(external_id="case-0001").state == "withdrawn"


@pytest.mark.parametrize(
    ("records", "line", "field"),
    [
        ([*RECORDS[:2], dict(RECORDS[2], member="nowhere")], 3, "member"),
        (
            [RECORDS[0], dict(RECORDS[1], recipients={"members": ["nowhere"]})],
            2,
            "recipients.members",
        ),
        (
            [RECORDS[0], dict(RECORDS[1], recipients={"members": ["pilsen"]})],
            2,
            "recipients.members",
        ),
        ([RECORDS[0], dict(RECORDS[1], recipients={"members": ["lyon"]})], 2, "recipients.members"),
        ([dict(RECORDS[2], recipients={"users": ["ghost"]})], 1, "recipients.users"),
        ([dict(RECORDS[0], recipients={"members": ["munich"]})], 1, "recipients"),  # green
        ([dict(RECORDS[1], recipients={"users": ["munich_officer"]})], 1, "recipients.users"),
        ([dict(RECORDS[0], case_type="bogus")], 1, "case_type"),
        ([dict(RECORDS[0], topics=["tibet", "bogus"])], 1, "topics"),
        ([{k: v for k, v in RECORDS[0].items() if k != "summary"}], 1, "summary"),
        ([RECORDS[0], RECORDS[0]], 2, "external_id"),
    ],
)
def test_bad_input_exits_2_naming_line_and_field_and_stores_nothing(
    network, tmp_path, records, line, field
):
    code, out, err = run("import", "cases", str(write(tmp_path, records)))
    assert code == 2, out
    assert err.startswith("twinwise: error: ") and err.count("\n") <= 1
    assert f"line {line}" in err and f"field {field}" in err, err
    assert Case.objects.count() == 0


def test_an_external_id_of_another_member_is_refused(network, tmp_path):
    run("import", "cases", str(write(tmp_path, RECORDS[:1])))
    code, _out, err = run(
        "import", "cases", str(write(tmp_path, [dict(RECORDS[0], member="munich")]))
    )
    assert code == 2 and "field external_id" in err
    assert Case.objects.get(external_id="case-0001").organisation.slug == "lyon"


def test_unreadable_files_exit_2(network, tmp_path):
    assert run("import", "cases", str(tmp_path / "missing.jsonl"))[0] == 2
    assert run("import", "cases", str(write(tmp_path, "not json\n")))[0] == 2
    assert run("import", "cases", str(write(tmp_path, "")))[0] == 2


def test_only_operators_import(network):
    records = read_cases(jsonl(RECORDS))
    member = Actor.from_user(network[1]["lyon_admin"])
    with pytest.raises(PermissionDenied):
        cases_import(actor=member, records=records)
    assert Case.objects.count() == 0


# -- export -------------------------------------------------------------------------------


@pytest.fixture
def imported(network, tmp_path):
    code, _out, err = run("import", "cases", str(write(tmp_path, RECORDS)))
    assert code == 0, err
    return network


def test_export_without_as_is_public_only(imported):
    records = export_records()
    assert [r["external_id"] for r in records] == ["case-0005"]
    assert records[0]["member"] == "lyon"


def test_export_as_a_user_holds_exactly_what_they_may_see(imported):
    by_user = {
        name: {r["external_id"] for r in export_records("--as", name)}
        for name in ("lyon_admin", "lyon_officer", "munich_officer", "gothenburg_officer")
    }
    assert by_user["lyon_admin"] == {
        "case-0001",
        "case-0002",
        "case-0003",
        "case-0004",
        "case-0005",
    }
    assert by_user["lyon_officer"] == {"case-0001", "case-0002", "case-0004", "case-0005"}
    assert by_user["munich_officer"] == {
        "case-0001",
        "case-0002",
        "case-0003",
        "case-0004",
        "case-0005",
    }
    assert by_user["gothenburg_officer"] == {"case-0001", "case-0004", "case-0005"}


def test_export_redacts_anonymous_reports(imported):
    records = {r["external_id"]: r for r in export_records("--as", "munich_officer")}
    anonymous = records["case-0004"]
    assert "member" not in anonymous
    assert anonymous["x-reporter"].startswith("a city of")
    assert "othenburg" not in json.dumps(anonymous)
    # Who else a report was shared with stays with the reporting organisation.
    assert "recipients" not in records["case-0002"]
    own = {r["external_id"]: r for r in export_records("--as", "gothenburg_officer")}
    assert own["case-0004"]["member"] == "gothenburg"


def test_export_reads_back_unchanged(imported, tmp_path):
    """Round trip: what an admin of Lyon exports of Lyon's cases is what was imported,
    and importing the export changes nothing."""
    records = [r for r in export_records("--as", "lyon_admin") if r.get("member") == "lyon"]
    expected = [r for r in RECORDS if r["member"] == "lyon"]
    assert [without_x(r) for r in records] == [{"anonymous": False, **r} for r in expected]
    path = write(tmp_path, records, name="export.jsonl")
    code, out, err = run("import", "cases", str(path))
    assert code == 0, err
    assert out.strip() == "4 cases: 0 created, 0 updated, 4 unchanged"


def test_export_csv(imported):
    rows = list(csv.DictReader(io.StringIO(export("--as", "lyon_admin"))))
    assert len(rows) == 5
    first = next(r for r in rows if r["external_id"] == "case-0001")
    assert first["topics"] == "tibet;culture"
    assert first["counterpart.kind"] == "consulate"
    assert first["x-reporter"] == "Lyon international office"
    assert (
        next(r for r in rows if r["external_id"] == "case-0002")["recipients.members"] == "munich"
    )


def test_export_to_a_file(imported, tmp_path):
    target = tmp_path / "out.jsonl"
    code, out, _err = run("export", "cases", "--format", "jsonl", "--output", str(target))
    assert code == 0 and out.strip() == f"1 cases written to {target}"
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.parametrize(
    "args", [("--as", "nobody"), ("--format", "xml"), ("--output", "/no/such/folder/x.csv")]
)
def test_export_bad_input_exits_2(imported, args):
    code, _out, err = run("export", "cases", *args)
    assert code == 2 and err.startswith("twinwise: error: ")


def test_export_uses_a_bounded_number_of_queries(imported, django_assert_max_num_queries):
    actor = Actor.from_user(imported[1]["lyon_admin"])
    with django_assert_max_num_queries(8):
        export_cases(actor=actor, fmt="jsonl", out=io.StringIO())
