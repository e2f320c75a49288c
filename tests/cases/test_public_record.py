"""The public record: documented cases loaded as TLP:CLEAR cases of the "public record"
pseudo-member, with sources, confidence, partnership and counterpart; idempotent."""

import csv
from importlib import resources

import pytest

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import Organisation, User
from twinwise.cases import public_record
from twinwise.cases.models import Case, CaseRevision
from twinwise.cases.selectors import case_get, case_present, case_queryset
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Counterpart

BUNDLED = resources.files("twinwise") / "data"


def header(name: str) -> list[str]:
    """The columns of a bundled file: the small test files follow the real format."""
    with (BUNDLED / name).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


INCIDENT_COLUMNS = header("incidents.csv")
MAPPING_COLUMNS = header("incident_mapping.csv")

INCIDENTS = [
    {
        "id": "CZ-PRG-2019-04",
        "date": "2019-10-10",
        "date_precision": "day",
        "country": "CZ",
        "city": "Prague",
        "chinese_counterpart": "Beijing",
        "category": "termination_by_chinese_city",
        "issue": "Taiwan;one-China",
        "chinese_actor": "Beijing Municipal Foreign Affairs Office",
        "summary": "Beijing terminated the sister-city partnership with Prague.",
        "outcome": "Partnership ended.",
        "source_url": "https://radio.example/a ; https://offices.example/b",
        "source_title_or_outlet": "Radio Prague (2019-10-10); Vienna Offices",
        "confidence": "high",
        "notes": "",
    },
    {
        "id": "US-PDX-2010-01",
        "date": "2010-03-08",
        "date_precision": "day",
        "country": "US",
        "city": "Portland (Oregon)",
        "chinese_counterpart": "",
        "category": "consulate_pressure",
        "issue": "Tibet",
        "chinese_actor": "Chinese Consulate General in San Francisco",
        "summary": "Consulate officials asked the city to rescind its Tibet proclamation.",
        "outcome": "All three requests refused.",
        "source_url": "https://oregonlive.example/x",
        "source_title_or_outlet": "The Oregonian (March 2010)",
        "confidence": "medium",
        "notes": "Year inferred.",
    },
    {
        "id": "SE-ORE-2020-01",
        "date": "2020-04",
        "date_precision": "month",
        "country": "SE",
        "city": "Örebro",
        "chinese_counterpart": "UNCERTAIN",
        "category": "termination_by_western_city",
        "issue": "",
        "chinese_actor": "",
        "summary": "Örebro announced termination of its sister-city relationship.",
        "outcome": "Ended.",
        "source_url": "http://chinascope.example/1",
        "source_title_or_outlet": "Chinascope",
        "confidence": "low",
        "notes": "",
    },
]

MAPPING = [
    {
        "id": "CZ-PRG-2019-04",
        "title": "Beijing ends its partnership with Prague",
        "case_type": "partnership-change",
        "topics": "taiwan",
        "counterpart_kind": "foreign-affairs-office",
        "counterpart_name": "Beijing Municipal Foreign Affairs Office",
        "counterpart_country": "CN",
        "local_city": "Praha",  # resolved like the registry import: any known spelling
        "local_country": "CZ",
        "china_city": "Beijing",
        "china_country": "CN",
    },
    {
        "id": "US-PDX-2010-01",
        "title": "Chinese consulate asks Portland to rescind a proclamation",
        "case_type": "demand",
        "topics": "tibet",
        "channel": "meeting",
        "response_type": "declined",
        "counterpart_kind": "consulate",
        "counterpart_name": "Consulate General of the PRC in San Francisco",
        "counterpart_country": "CN",
    },
    {
        "id": "SE-ORE-2020-01",
        "title": "Örebro ends its twinning with a Chinese city",
        "case_type": "partnership-change",
    },
]


def write_csv(path, columns, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


@pytest.fixture
def data_dir(tmp_path):
    write_csv(tmp_path / "incidents.csv", INCIDENT_COLUMNS, INCIDENTS)
    write_csv(tmp_path / "incident_mapping.csv", MAPPING_COLUMNS, MAPPING)
    return tmp_path


@pytest.fixture
def operator():
    return Actor.operator("test")


def load(data_dir, operator=None):
    return public_record.public_record_load(
        actor=operator or Actor.operator("test"), data_dir=data_dir
    )


def test_loads_published_clear_cases_of_the_public_record(world, data_dir):
    report = load(data_dir)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    org = Organisation.objects.get(slug="public-record")
    assert org.is_public_record and org.verified and org.country is None
    assert not org.members.exists()
    case = Case.objects.get(external_id="CZ-PRG-2019-04")
    assert case.organisation == org and case.author is None
    assert (case.tlp, case.state, case.anonymous) == ("clear", "published", False)
    assert case.published_at is not None
    assert (case.occurred_on, case.occurred_year) == ("2019-10-10", 2019)
    assert case.case_type == "partnership-change" and case.topics == ["taiwan"]
    assert case.outcome == "Partnership ended." and case.language == "en"
    assert case.confidence == "high"
    assert case.sources == [
        {"url": "https://radio.example/a", "title": "Radio Prague (2019-10-10)"},
        {"url": "https://offices.example/b", "title": "Vienna Offices"},
    ]


def test_anonymous_visitors_see_them_as_public_record(world, data_dir):
    load(data_dir)
    anonymous = Actor.anonymous()
    assert case_queryset(actor=anonymous).filter(organisation__slug="public-record").count() == 3
    case = case_get(actor=anonymous, pk=Case.objects.get(external_id="US-PDX-2010-01").pk)
    shown = case_present(actor=anonymous, case=case)
    assert shown["reporter"]["label"] == "Public record"
    assert shown["reporter"]["organisation"] is None
    assert shown["counterpart"] == {
        "kind": "consulate",
        "name": "Consulate General of the PRC in San Francisco",
    }
    assert shown["confidence"] == "medium" and shown["sources"][0]["url"]
    # the curators' note on the sources stays with the summary
    assert shown["summary"].endswith("Note on the sources: Year inferred.")


def test_links_the_partnership_and_the_directory_counterpart(world, data_dir):
    report = load(data_dir)
    assert report.with_partnership == 1 and report.with_counterpart == 2
    prague = Case.objects.get(external_id="CZ-PRG-2019-04")
    assert prague.partnership == world["ties"]["prague_beijing"]
    fao = prague.counterpart
    assert (fao.kind, fao.country_id, fao.place) == (
        "foreign-affairs-office",
        "CN",
        world["places"]["beijing"],
    )
    portland = Case.objects.get(external_id="US-PDX-2010-01")
    assert portland.partnership is None  # no partnership named: no link
    assert portland.counterpart.kind == "consulate" and portland.counterpart.place is None
    orebro = Case.objects.get(external_id="SE-ORE-2020-01")
    assert orebro.partnership is None and orebro.counterpart is None
    assert orebro.counterpart_name == ""


def test_no_link_when_the_places_are_unknown(db, data_dir):
    factories.country("CN")  # no places at all, and no CZ or US
    load(data_dir)
    assert not Case.objects.exclude(partnership=None).exists()
    assert Case.objects.get(external_id="CZ-PRG-2019-04").counterpart.kind == (
        "foreign-affairs-office"
    )


def test_idempotent_by_external_id(world, data_dir):
    load(data_dir)
    revisions = CaseRevision.objects.count()
    report = load(data_dir)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Case.objects.count() == 3
    assert Counterpart.objects.count() == 2
    assert Organisation.objects.filter(slug="public-record").count() == 1
    assert CaseRevision.objects.count() == revisions


def test_a_changed_row_updates_its_case_and_records_the_change(world, data_dir):
    load(data_dir)
    changed = [dict(INCIDENTS[0], outcome="Partnership ended; contacts suspended."), *INCIDENTS[1:]]
    write_csv(data_dir / "incidents.csv", INCIDENT_COLUMNS, changed)
    report = load(data_dir)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    case = Case.objects.get(external_id="CZ-PRG-2019-04")
    assert case.outcome == "Partnership ended; contacts suspended."
    last = case.revisions.order_by("-id").first()
    assert last.action == "import" and last.changed_fields == ["outcome"]


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_only_operators_load_it(world, data_dir, who):
    org = Organisation.objects.create(slug="lyon", name="Lyon", verified=True)
    user = User.objects.create_user(
        "someone",
        organisation=org if who == "member" else None,
        role="admin" if who == "member" else "",
        is_moderator=who == "moderator",
    )
    actor = Actor.anonymous() if who == "anonymous" else Actor.from_user(user, strong=True)
    with pytest.raises(PermissionDenied):
        load(data_dir, actor)
    assert not Case.objects.exists()


def test_a_row_without_curation_is_refused_and_nothing_is_written(world, data_dir):
    write_csv(data_dir / "incident_mapping.csv", MAPPING_COLUMNS, MAPPING[:2])
    with pytest.raises(UserFacingError) as error:
        load(data_dir)
    assert error.value.line == 4 and "SE-ORE-2020-01" in error.value.message
    assert not Case.objects.exists()
    assert not Organisation.objects.exists()


def test_a_bad_taxonomy_id_names_the_line_and_field(world, data_dir):
    bad = [dict(MAPPING[0], case_type="bullying"), *MAPPING[1:]]
    write_csv(data_dir / "incident_mapping.csv", MAPPING_COLUMNS, bad)
    with pytest.raises(UserFacingError) as error:
        load(data_dir)
    assert (error.value.line, error.value.field) == (2, "case_type")
    assert not Case.objects.exists()


def test_a_bad_confidence_is_refused(world, data_dir):
    write_csv(
        data_dir / "incidents.csv",
        INCIDENT_COLUMNS,
        [dict(INCIDENTS[0], confidence="certain"), *INCIDENTS[1:]],
    )
    with pytest.raises(UserFacingError) as error:
        load(data_dir)
    assert error.value.field == "confidence"


def test_never_overwrites_a_members_case(world, data_dir):
    org = Organisation.objects.create(slug="lyon", name="Lyon", verified=True)
    Case.objects.create(organisation=org, title="Ours", external_id="US-PDX-2010-01")
    with pytest.raises(UserFacingError):
        load(data_dir)
    assert Case.objects.get(external_id="US-PDX-2010-01").title == "Ours"


def test_a_member_named_public_record_is_not_taken_over(world, data_dir):
    Organisation.objects.create(slug="public-record", name="A city", verified=True)
    with pytest.raises(UserFacingError):
        load(data_dir)


def test_source_titles_pair_with_urls():
    incident = {
        "source_url": "https://a.example ; https://b.example",
        "source_title_or_outlet": "Outlet A (citing X; Y); Outlet B",
    }
    assert public_record.sources_of(incident, {}) == [
        {"url": "https://a.example", "title": "Outlet A (citing X; Y)"},
        {"url": "https://b.example", "title": "Outlet B"},
    ]
    # one outlet for two URLs: the curated titles win …
    incident["source_title_or_outlet"] = "CTV News"
    assert public_record.sources_of(incident, {"source_titles": "CTV News|CTV News (2)"}) == [
        {"url": "https://a.example", "title": "CTV News"},
        {"url": "https://b.example", "title": "CTV News (2)"},
    ]
    # … and without them every URL carries the outlet text
    assert [s["title"] for s in public_record.sources_of(incident, {})] == ["CTV News"] * 2


# -- the bundled files ---------------------------------------------------------------------


def bundled(name):
    with (BUNDLED / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_bundled_mapping_curates_every_incident_with_taxonomy_ids():
    incidents, mapping = bundled("incidents.csv"), bundled("incident_mapping.csv")
    assert [r["id"] for r in mapping] == [r["id"] for r in incidents]
    assert len(mapping) == 43
    checks = {
        "case_type": "case_types",
        "channel": "channels",
        "response_type": "response_types",
        "counterpart_kind": "counterpart_kinds",
    }
    for row in mapping:
        assert row["title"].strip() and row["case_type"], row["id"]
        for column, name in checks.items():
            assert not row[column] or row[column] in taxonomy.ids(name), (row["id"], column)
        for topic in filter(None, row["topics"].split(";")):
            assert topic in taxonomy.ids("topics"), (row["id"], topic)
        assert bool(row["counterpart_kind"]) == bool(row["counterpart_name"]), row["id"]
        assert bool(row["local_city"]) == bool(row["china_city"]), row["id"]


def test_the_bundled_public_record_loads_on_a_small_directory(world):
    report = public_record.public_record_load(actor=Actor.operator())
    assert report.created == 43
    assert Case.objects.filter(tlp="clear", state="published").count() == 43
    assert all(c.sources and c.confidence for c in Case.objects.all())
    linked = dict(
        Case.objects.exclude(partnership=None).values_list("external_id", "partnership_id")
    )
    ties = world["ties"]
    assert linked["CZ-PRG-2016-01"] == ties["prague_beijing"].pk
    assert linked["CZ-PRG-2020-02"] == ties["prague_shanghai"].pk
    assert linked["CZ-PRG-2020-01"] == ties["prague_taipei"].pk
    assert linked["SE-GOT-2020-01"] == ties["gothenburg_shanghai"].pk
    assert "US-PDX-2010-01" not in linked  # about a proclamation, not a partnership
