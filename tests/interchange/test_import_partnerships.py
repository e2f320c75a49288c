"""`twinwise import partnerships`: validate everything first, write all or nothing, idempotent."""

import json

import pytest
from django.core.management import call_command

from twinwise.directory.models import Place
from twinwise.partnerships.models import Partnership, PartnershipSource


def record(external_id="imp-1", local=("Praha", "CZ"), counterpart=("上海", "CN"), **extra):
    return {
        "external_id": external_id,
        "local": {"name": local[0], "country": local[1]},
        "counterpart": {"name": counterpart[0], "country": counterpart[1], "kind": "city"},
        "kind": "sister-city",
        **extra,
    }


def write_jsonl(tmp_path, records, name="ties.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def run_import(*args):
    """Run the command; return (exit code, stderr)."""
    from io import StringIO

    err, out = StringIO(), StringIO()
    try:
        call_command("import", *[str(a) for a in args], stderr=err, stdout=out)
    except SystemExit as exc:
        return exc.code, err.getvalue()
    return 0, out.getvalue()


def test_happy_path_resolves_alternative_and_chinese_names(world, tmp_path):
    before = Partnership.objects.count()
    path = write_jsonl(
        tmp_path,
        [
            record(
                status="ended",
                signed_on="2017-05",
                ended_on="2020-01-14",
                source="https://example.org/a",
            ),
            record("imp-2", ("Göteborg", "SE"), ("Peking", "CN"), domains=["culture"]),
        ],
    )
    code, out = run_import("partnerships", path)
    assert code == 0, out
    assert "2 created" in out
    assert Partnership.objects.count() == before + 2
    p = Partnership.objects.get(external_id="imp-1")
    assert (p.local.name, p.counterpart.name, p.status, p.ended_year) == (
        "Prague",
        "Shanghai",
        "ended",
        2020,
    )
    assert PartnershipSource.objects.filter(partnership=p, url="https://example.org/a").exists()
    assert Partnership.objects.get(external_id="imp-2").domains == ["culture"]


def test_reimport_is_idempotent_and_updates_in_place(world, tmp_path):
    path = write_jsonl(tmp_path, [record()])
    assert run_import("partnerships", path)[0] == 0
    code, out = run_import("partnerships", path)
    assert code == 0 and "1 unchanged" in out
    path = write_jsonl(tmp_path, [record(status="suspended")])
    code, out = run_import("partnerships", path)
    assert "1 updated" in out
    assert Partnership.objects.filter(external_id="imp-1").get().status == "suspended"
    assert Partnership.objects.filter(external_id="imp-1").count() == 1


def test_csv_with_bom_and_dotted_columns(world, tmp_path):
    path = tmp_path / "ties.csv"
    path.write_bytes(
        "\ufeffexternal_id,local.name,local.country,counterpart.name,counterpart.country,counterpart.kind,kind,domains\n"
        "csv-1,Prague,CZ,Beijing,CN,city,sister-city,culture;tourism\n".encode()
    )
    code, out = run_import("partnerships", path)
    assert code == 0, out
    assert Partnership.objects.get(external_id="csv-1").domains == ["culture", "tourism"]


def test_unresolvable_place_fails_whole_import_naming_line_and_field(world, tmp_path):
    before = Partnership.objects.count()
    path = write_jsonl(tmp_path, [record(), record("imp-2", ("Nowhereville", "CZ"))])
    code, err = run_import("partnerships", path)
    assert code == 2
    assert "line 2" in err and "local.name" in err and "Nowhereville" in err
    assert err.count("\n") <= 1
    assert Partnership.objects.count() == before  # the valid first line was not written either


def test_create_places_creates_them_once(world, tmp_path):
    rec = record("imp-9", ("Nowhereville", "CZ"))
    rec["local"].update({"population": 1200, "lat": 50.0, "lon": 14.0})
    path = write_jsonl(tmp_path, [rec])
    assert run_import("partnerships", path, "--create-places")[0] == 0
    assert run_import("partnerships", path, "--create-places")[0] == 0
    assert Place.objects.filter(name="Nowhereville").count() == 1
    assert Place.objects.get(name="Nowhereville").population == 1200


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b'{"external_id": "x"\n', "line 1"),
        (json.dumps(record(kind="town")).encode() + b"\n", "kind"),
        (json.dumps(record(status="alive")).encode() + b"\n", "status"),
        (json.dumps(record(signed_on="2021-02-30")).encode() + b"\n", "signed_on"),
        (json.dumps({**record(), "colour": "red"}).encode() + b"\n", "colour"),
        (json.dumps(record()).encode() + b"\n" + json.dumps(record()).encode() + b"\n", "line 2"),
        ('{"external_id": "x-é"}\n'.encode("latin-1"), "UTF-8"),
        (b"\x00\x01\x02\x03binary", "not a text file"),
    ],
)
def test_bad_files_exit_2_with_one_line_and_nothing_written(world, tmp_path, content, expected):
    before = Partnership.objects.count()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    code, err = run_import("partnerships", path)
    assert code == 2
    assert expected in err, err
    assert err.startswith("twinwise: error:") and err.strip().count("\n") == 0
    assert Partnership.objects.count() == before


def test_unknown_country_and_missing_file(world, tmp_path):
    path = write_jsonl(tmp_path, [record(local=("Prague", "XX"))])
    code, err = run_import("partnerships", path)
    assert code == 2 and "local.country" in err
    code, err = run_import("partnerships", tmp_path / "missing.jsonl")
    assert code == 2 and "no such file" in err


def test_file_over_the_size_limit_is_refused_before_reading(world, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = write_jsonl(tmp_path, [record(), record("imp-2")])
    code, err = run_import("partnerships", path)
    assert code == 2 and "too large" in err


def test_wrong_usage_exits_2():
    from django.core.management.base import CommandError

    with pytest.raises((SystemExit, CommandError)):
        call_command("import", "ponies", "x.jsonl")
