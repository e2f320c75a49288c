"""`twinwise export partnerships` and the exporters: what the actor may see, in formats
that read back through the interchange readers unchanged."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests import factories
from twinwise.access.actors import Actor
from twinwise.core.versioning import bump
from twinwise.interchange.exporters import export_partnerships, partnership_records
from twinwise.interchange.readers import read_partnerships
from twinwise.partnerships.models import PartnershipSource


@pytest.fixture
def export_world(world):
    places, ties = world["places"], world["ties"]
    ties["lyon_shanghai_green"] = factories.partnership(
        places["lyon"], places["shanghai"], tlp="green"
    )
    PartnershipSource.objects.create(
        partnership=ties["prague_beijing"],
        role="listing",
        dataset="wikipedia-2026",
        title="Wikipedia lists of twin towns and sister cities (2026-02)",
        reference="row 7",
    )
    bump("partnerships")
    return world


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def visible_records() -> list[dict]:
    return list(partnership_records(actor=Actor.anonymous()))


def as_read(records: list[dict]) -> list[dict]:
    """What a reader returns for these records: None left out, tlp defaulted."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        return value

    return [clean(r) for r in records]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_round_trips_through_the_readers(export_world, fmt):
    out = io.StringIO(newline="")
    count = export_partnerships(actor=Actor.anonymous(), fmt=fmt, out=out)
    read = [record for _line, record in read_partnerships(out.getvalue(), fmt)]
    expected = visible_records()
    assert count == len(read) == len(expected) == 11  # every TLP:CLEAR tie, none of the green one
    assert read == as_read(expected)


def test_export_holds_only_what_the_actor_may_see(export_world):
    green = export_world["ties"]["lyon_shanghai_green"]
    ids = {r["external_id"] for r in visible_records()}
    assert green.external_id not in ids
    assert export_world["ties"]["berlin_prague"].external_id in ids  # no Chinese side, still public


def test_records_cite_status_sources_first_and_leave_empty_fields_out(export_world):
    by_id = {r["external_id"]: r for r in visible_records()}
    prague = by_id[export_world["ties"]["prague_beijing"].external_id]
    assert (
        prague["source"]
        == "https://example.org/prague ; Wikipedia lists of twin towns and sister cities (2026-02)"
    )
    reported = by_id[export_world["ties"]["vancouver_beijing"].external_id]
    assert reported["status"] is None and reported["domains"] is None and reported["source"] is None


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_command_writes_to_stdout(export_world, fmt):
    out, err = run("partnerships", "--format", fmt)
    assert err == ""
    assert len(read_partnerships(out, fmt)) == 11


def test_command_defaults_to_csv_and_writes_files(export_world, tmp_path):
    target = tmp_path / "ties.csv"
    out, _err = run("partnerships", "--output", str(target))
    assert out.strip() == f"11 partnerships written to {target}"
    assert target.read_text(encoding="utf-8").startswith("external_id,local.name,")
    assert [p.name for p in tmp_path.iterdir()] == ["ties.csv"]  # no temporary file left behind


def test_command_exports_as_a_user(export_world):
    get_user_model().objects.create_user("officer", password="a long password 123")
    out, _err = run("partnerships", "--format", "jsonl", "--as", "officer")
    assert [json.loads(line)["external_id"] for line in out.splitlines()] == [
        r["external_id"] for r in visible_records()
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["partnerships", "--as", "nobody"], "--as: there is no active user 'nobody'"),
        (
            ["partnerships", "--format", "xlsx"],
            "--format: 'xlsx' is not an export format; use csv or jsonl",
        ),
        (["agreements"], "cannot export 'agreements'; use one of: partnerships, cases"),
        (
            ["partnerships", "--output", "/no/such/folder/x.csv"],
            "--output: the folder /no/such/folder does not exist",
        ),
    ],
)
def test_command_bad_input_exits_2_with_one_line(db, args, message):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", *args, stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 2
    assert err.getvalue().splitlines() == [f"twinwise: error: {message}"]


def test_status_sources_are_cited_before_listings_whatever_their_data_set():
    from twinwise.partnerships.presenters import source_citation

    sources = [
        {"id": 1, "role": "listing", "dataset": "a-list", "title": "A list", "url": ""},
        {
            "id": 2,
            "role": "status",
            "dataset": "z-incidents",
            "title": "Press",
            "url": "https://example.org/x",
        },
    ]
    assert source_citation(sources) == "https://example.org/x ; A list"
