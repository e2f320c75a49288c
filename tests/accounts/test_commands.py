"""`twinwise user create`, `user reset-2fa`, `token create` and `import members`: exit 0 and a
line on success, exit 2 and one line on stderr for bad input."""

import io
import json

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from twinwise.accounts.models import Organisation, User
from twinwise.accounts.services import api_token_authenticate

from .conftest import PASSWORD, authenticator


def run(*args, stdin: str | None = None, monkeypatch=None):
    """(exit code, stdout, stderr) of one command."""
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


# -- user create ------------------------------------------------------------------------------


def test_create_member_user_with_password(members, monkeypatch):
    code, out, err = run(
        "user",
        "create",
        "eve",
        "--member",
        "lyon",
        "--role",
        "admin",
        "--email",
        "eve@example.org",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert (code, err) == (0, "")
    assert out.startswith("created user eve (admin of lyon)")
    eve = User.objects.get(username="eve")
    assert eve.organisation == members["lyon"] and eve.role == "admin"
    assert eve.check_password(PASSWORD) and eve.email == "eve@example.org"


def test_create_moderator_and_operator(members):
    assert run("user", "create", "mo", "--role", "moderator")[0] == 0
    mo = User.objects.get(username="mo")
    assert mo.is_moderator and mo.organisation is None and mo.role == ""
    assert not mo.has_usable_password()
    code, out, _err = run("user", "create", "op", "--staff")
    assert code == 0 and "operator" in out and "changepassword" in out
    assert User.objects.get(username="op").is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--member", "nowhere", "--role", "officer"],
            "--member: no member organisation has the slug 'nowhere'",
        ),
        (["--member", "lyon"], "--member needs --role officer or --role admin"),
        (["--role", "officer"], "--member: --role officer needs --member SLUG"),
        (["--role", "moderator", "--member", "lyon"], "leave out --member"),
        (["--staff", "--member", "lyon", "--role", "admin"], "leave out --member"),
        (["--role", "chief"], "--role: 'chief' is not a role"),
        ([], "say who the user is"),
        (
            ["--member", "lyon", "--role", "officer", "--email", "nope"],
            "--email: 'nope' is not an email address",
        ),
    ],
)
def test_create_user_bad_input_is_one_line_and_exit_2(members, args, message):
    code, out, err = run("user", "create", "eve", *args)
    assert code == 2 and out == ""
    assert err.startswith("twinwise: error: ") and message in err
    assert err.count("\n") <= 1
    assert not User.objects.filter(username="eve").exists()


def test_create_user_existing_username(members):
    code, _out, err = run("user", "create", "Bruno", "--member", "lyon", "--role", "officer")
    assert code == 2 and "a user called 'Bruno' already exists" in err


def test_create_user_weak_password_gives_the_validator_message(members, monkeypatch):
    code, _out, err = run(
        "user",
        "create",
        "eve",
        "--member",
        "lyon",
        "--role",
        "officer",
        "--password-stdin",
        stdin="short\n",
        monkeypatch=monkeypatch,
    )
    assert code == 2
    assert (
        "--password-stdin: This password is too short. It must contain at least 12 characters."
        in err
    )
    assert not User.objects.filter(username="eve").exists()


def test_create_user_empty_stdin(members, monkeypatch):
    code, _out, err = run(
        "user", "create", "eve", "--staff", "--password-stdin", stdin="", monkeypatch=monkeypatch
    )
    assert code == 2 and "no password on standard input" in err


def test_unknown_action(members):
    code, _out, err = run("user", "delete", "bruno")
    assert code == 2 and "unknown action 'delete'" in err


def test_reset_2fa(members):
    authenticator(members["lyon_officer"])
    code, out, _err = run("user", "reset-2fa", "bruno")
    assert code == 0 and "removed the second factor of bruno" in out
    assert not TOTPDevice.objects.filter(user=members["lyon_officer"]).exists()
    assert run("user", "reset-2fa", "nobody")[0] == 2


# -- token create --------------------------------------------------------------------------------


def test_token_create_prints_a_working_token(members):
    code, out, err = run("token", "create", "bruno", "--name", "nightly export")
    assert (code, err) == (0, "")
    raw = out.strip()
    assert raw.startswith("tw_") and len(raw) == 43
    assert api_token_authenticate(raw) == members["lyon_officer"]
    assert members["lyon_officer"].api_tokens.get().name == "nightly export"


def test_token_create_bad_input(members):
    assert run("token", "create", "nobody")[0] == 2
    members["loner"].is_active = False
    members["loner"].save()
    code, _out, err = run("token", "create", "dana")
    assert code == 2 and "deactivated" in err
    assert run("token", "list", "bruno")[0] == 2


# -- import members ------------------------------------------------------------------------------


@pytest.fixture
def gazetteer(db):
    return {
        "lyon": factories.place("Lyon", "FR", population=472_317, wikidata="Q456"),
        "freiburg": factories.place("Freiburg im Breisgau", "DE", population=231_195),
    }


def write(tmp_path, records, name="members.json") -> str:
    path = tmp_path / name
    if not isinstance(records, str):  # one member per line, so errors name a useful line
        records = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]"
    path.write_text(records, encoding="utf-8")
    return str(path)


MEMBERS_FILE = [
    {
        "slug": "city-of-lyon",
        "name": "Ville de Lyon — Relations internationales",
        "place": {"name": "Lyon", "country": "FR", "wikidata": "Q456"},
        "verified": True,
    },
    {
        "slug": "freiburg",
        "name": "Freiburg — International Office",
        "place": {"name": "Freiburg im Breisgau", "country": "DE"},
        "population": 230000,
        "x-note": "kept out",
    },
]


def test_import_members_creates_then_is_idempotent(gazetteer, tmp_path):
    path = write(tmp_path, MEMBERS_FILE)
    code, out, err = run("import", "members", path)
    assert (code, err) == (0, "")
    assert out.strip() == "2 members: 2 created, 0 updated, 0 unchanged; 0 places created"
    lyon = Organisation.objects.get(slug="city-of-lyon")
    assert lyon.place == gazetteer["lyon"] and lyon.country_id == "FR"
    assert lyon.verified and lyon.population == 472_317  # the city's, when the file gives none
    freiburg = Organisation.objects.get(slug="freiburg")
    assert freiburg.population == 230000 and not freiburg.verified

    assert run("import", "members", path)[1].strip() == (
        "2 members: 0 created, 0 updated, 2 unchanged; 0 places created"
    )
    changed = [dict(MEMBERS_FILE[0], name="Lyon IR"), MEMBERS_FILE[1]]
    assert run("import", "members", write(tmp_path, changed))[1].startswith(
        "2 members: 0 created, 1 updated, 1 unchanged"
    )
    assert Organisation.objects.get(slug="city-of-lyon").name == "Lyon IR"


def test_import_members_unknown_place_needs_create_places(gazetteer, tmp_path):
    records = [
        *MEMBERS_FILE,
        {"slug": "x", "name": "Nowhere", "place": {"name": "Nowhere", "country": "DE"}},
    ]
    path = write(tmp_path, records)
    code, _out, err = run("import", "members", path)
    assert code == 2
    assert (
        "line 4, field place.name: no place called 'Nowhere' is known in DE" in err
        and "--create-places" in err
    )
    assert not Organisation.objects.exists()  # all or nothing

    code, out, _err = run("import", "members", path, "--create-places")
    assert code == 0 and out.strip().endswith("1 places created")
    assert Organisation.objects.get(slug="x").place.name == "Nowhere"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{]", "not valid JSON"),
        ('{"slug": "a"}', "expected a JSON list"),
        ('[{"slug": "a", "name": "A"}]', "place"),
        ('[{"slug": "a b", "name": "A", "place": {"name": "Lyon", "country": "FR"}}]', "slug"),
        (
            '[{"slug": "a", "name": "A", "place": {"name": "Lyon", "country": "ZZ"}}]',
            "'ZZ' is not an ISO 3166 country code",
        ),
        (
            '[{"slug": "a", "name": "A", "place": {"name": "Lyon", "country": "FR"}, "colour": "red"}]',
            "colour",
        ),
        ("", "empty"),
    ],
)
def test_import_members_bad_files(gazetteer, tmp_path, content, message):
    code, out, err = run("import", "members", write(tmp_path, content))
    assert code == 2 and out == ""
    assert err.startswith("twinwise: error: ") and message in err
    assert not Organisation.objects.exists()


def test_import_members_missing_file(db, tmp_path):
    code, _out, err = run("import", "members", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err


def test_import_members_cannot_change_the_public_record(gazetteer, tmp_path):
    Organisation.objects.create(slug="public-record", name="Public record", is_public_record=True)
    records = [
        {"slug": "public-record", "name": "Mine", "place": {"name": "Lyon", "country": "FR"}}
    ]
    code, _out, err = run("import", "members", write(tmp_path, records))
    assert code == 2 and "public record" in err
    assert Organisation.objects.get(slug="public-record").name == "Public record"
