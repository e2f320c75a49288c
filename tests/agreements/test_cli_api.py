"""`twinwise check-agreement` and POST /api/v1/agreements/check: the same report, the
documented exit codes and HTTP statuses, nothing stored."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from tests.agreements.documents import docx_of, pdf_of, sample, scanned_pdf
from tests.cases.pages_fixtures import login_strong, organisation, person
from tests.cases.test_attachments import zip_bomb_docx
from twinwise.access.actors import Actor
from twinwise.accounts.services import api_token_create
from twinwise.agreements.models import AgreementDraft, AgreementReview

URL = "/api/v1/agreements/check"
MOU = sample("mou-de-entwurf-1.txt")


def run_cli(*args, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        call_command("check_agreement", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def findings_by_ref(report: dict) -> dict:
    """Categories per clause reference (clauses with findings; PDF text loses blank lines,
    so recitals may merge into the preamble)."""
    return {
        c["ref"]: sorted(f["category"] for f in c["findings"])
        for c in report["clauses"]
        if c["findings"]
    }


# -- command line -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["txt", "pdf", "docx"])
def test_cli_reads_each_format_and_prints_the_report(tmp_path, suffix):
    path = tmp_path / f"mou.{suffix}"
    data = {"txt": MOU.encode(), "pdf": pdf_of(MOU), "docx": docx_of(MOU)}[suffix]
    path.write_bytes(data)
    code, out, _err = run_cli(str(path))
    report = json.loads(out)
    assert code == 0 and report["document"]["name"] == f"mou.{suffix}"
    assert findings_by_ref(report)["§ 1"] == ["political-recognition"]
    assert findings_by_ref(report)["§ 7"] == ["termination-lock-in"]
    assert "§ 2" not in findings_by_ref(report)
    assert report["document"]["clauses"] == len(report["clauses"])


def test_cli_text_format_and_stdin():
    code, out, _ = run_cli("-", "--format", "text", stdin=MOU.encode())
    assert code == 0 and "HIGH  political-recognition" in out and "[§ 7]" in out


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: scanned_pdf(), "needs OCR"),
        (lambda: zip_bomb_docx(), "more than"),
        (lambda: bytes(range(256)) * 10, "not a text, PDF or Word"),
        (lambda: b"", "is empty"),
    ],
    ids=["scan", "zip-bomb", "garbage", "empty"],
)
def test_cli_unreadable_input_exits_2_with_one_line(tmp_path, make, words):
    path = tmp_path / "bad.pdf"
    path.write_bytes(make())
    code, out, err = run_cli(str(path))
    assert code == 2 and out == ""
    assert err.startswith("twinwise: error: ") and words in err and err.count("\n") <= 1


def test_cli_bad_options_and_missing_files(tmp_path):
    code, _, err = run_cli(str(tmp_path / "nope.txt"))
    assert code == 2 and "No such file" in err
    code, _, err = run_cli(str(tmp_path), "--format", "json")
    assert code == 2 and "directory" in err
    (tmp_path / "a.txt").write_text(MOU)
    code, _, err = run_cli(str(tmp_path / "a.txt"), "--format", "xml")
    assert code == 2 and "--format" in err
    code, _, err = run_cli(str(tmp_path / "a.txt"), "--lang", "xx")
    assert code == 2 and "Unknown language" in err


def test_cli_oversize_file_is_not_read(tmp_path, settings):
    settings.AGREEMENTS_MAX_BYTES = 10_000
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    code, _, err = run_cli(str(path))
    assert code == 2 and "larger than" in err


def test_cli_unsupported_language_prints_the_segments_and_exits_2(tmp_path):
    path = tmp_path / "cs.txt"
    path.write_text(
        "Článek 1\nMěsto uznává politiku jedné Číny.\n\nČlánek 2\nStrany podporují výměny."
    )
    code, out, err = run_cli(str(path))
    assert code == 2 and "none of the languages" in err
    assert json.loads(out)["document"]["language"] == "und"
    code, out, _ = run_cli(str(path), "--lang", "de")
    assert code == 0 and json.loads(out)["document"]["language"] == "de"


def test_the_installed_command_exits_2_on_bad_input(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 broken")
    done = subprocess.run(
        [sys.executable, "-m", "twinwise.cli", "check-agreement", str(bad)],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "twinwise.settings.test", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 2 and done.stderr.startswith("twinwise: error:")


# -- API ----------------------------------------------------------------------------------


@pytest.fixture
def member(db):
    org = organisation("lindenau", "Lindenau", "DE", population=90_000)
    return person("olga.becker", org)


@pytest.fixture
def token(member):
    _token, raw = api_token_create(
        actor=Actor.from_user(member, strong=True), user=member, name="tests"
    )
    return {"Authorization": f"Bearer {raw}"}


def post_json(client, body, headers=None):
    return client.post(
        URL, json.dumps(body), content_type="application/json", headers=headers or {}
    )


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    if field:
        assert error["field"] == field, error
    return error


def test_api_needs_a_signed_in_user(db):
    assert_error(post_json(Client(), {"text": MOU}), 401)


def test_api_json_and_multipart_give_the_cli_report(token, tmp_path):
    client = Client()
    path = tmp_path / "mou.txt"
    path.write_text(MOU)
    _, out, _ = run_cli(str(path))
    from_cli = json.loads(out)
    by_json = post_json(client, {"text": MOU, "name": "mou.txt"}, token)
    assert by_json.status_code == 200
    assert by_json.json()["clauses"] == from_cli["clauses"]
    assert by_json.json()["summary"] == from_cli["summary"]
    upload = io.BytesIO(pdf_of(MOU))
    upload.name = "mou.pdf"
    by_file = client.post(URL, {"file": upload}, headers=token)
    assert by_file.status_code == 200
    assert findings_by_ref(by_file.json()) == findings_by_ref(from_cli)
    assert not AgreementReview.objects.exists() and not AgreementDraft.objects.exists()


def test_api_session_users_need_no_second_factor_but_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert_error(post_json(client, {"text": MOU}), 403)  # no CSRF token
    client = login_strong(Client(), member)
    assert post_json(client, {"text": MOU}).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "text"),
        ({"text": "   "}, 400, "text"),
        ({"text": MOU, "colour": "red"}, 400, "colour"),
        ({"text": 12}, 400, "text"),
        ({"text": MOU, "lang": "xx"}, 400, "lang"),
        (
            {"text": "Článek 1\nMěsto uznává politiku jedné Číny a podporuje výměny mezi městy."},
            422,
            "language",
        ),
    ],
)
def test_api_bad_json(token, body, status, field):
    assert_error(post_json(Client(), body, token), status, field)
    assert post_json(Client(), {"text": MOU, "x-client": "tests"}, token).status_code == 200


def test_api_bad_files(token, settings):
    client = Client()
    for data, status in (
        (scanned_pdf(), 422),
        (bytes(range(256)) * 10, 415),
        (zip_bomb_docx(), 400),
    ):
        upload = io.BytesIO(data)
        upload.name = "x.pdf"
        assert_error(client.post(URL, {"file": upload}, headers=token), status, "file")
    assert_error(client.post(URL, {}, headers=token), 400, "file")
    assert_error(client.post(URL, "x", content_type="text/plain", headers=token), 415, "body")
    assert_error(client.post(URL, "{", content_type="application/json", headers=token), 400, "body")
    settings.AGREEMENTS_MAX_BYTES = 2000
    upload = io.BytesIO(b"a" * 100_000)
    upload.name = "big.txt"
    assert_error(client.post(URL, {"file": upload}, headers=token), 413, "file")


def test_api_json_beyond_djangos_form_limit_is_still_checked(token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = MOU + "\n" + "Die Parteien fördern den Austausch. " * 100
    response = post_json(Client(), {"text": text}, token)
    assert response.status_code == 200
    settings.AGREEMENTS_MAX_BYTES = 2000
    assert_error(post_json(Client(), {"text": text}, token), 413, "text")
