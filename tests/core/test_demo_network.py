"""The demo network: member cities, users of every role with known logins, cases at every
sharing level created through the real services; idempotent; refused in production."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import Organisation, User
from twinwise.cases.attachments import attachment_open
from twinwise.cases.models import Case, CaseAttachment, CaseComment
from twinwise.cases.public_record import PublicRecordReport
from twinwise.cases.selectors import case_present, case_queryset
from twinwise.core import demo_network
from twinwise.core.errors import UserFacingError
from twinwise.core.management.commands import demo as demo_command

PRODUCTION = {"DEBUG": False, "SETTINGS_MODULE": "twinwise.settings.prod"}


@pytest.fixture
def directory(db, settings, tmp_path, monkeypatch):
    """Just the countries and cities the demo network needs, and one registry tie."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    # two countries the shared factories do not know yet
    monkeypatch.setitem(factories.COUNTRIES, "AT", ("Austria", "europe", "", 40))
    monkeypatch.setitem(factories.COUNTRIES, "PT", ("Portugal", "europe", "", 620))
    places = {
        name: factories.place(name, iso2)
        for name, iso2 in (
            ("Munich", "DE"),
            ("Lyon", "FR"),
            ("Gothenburg", "SE"),
            ("Vienna", "AT"),
            ("Toronto", "CA"),
            ("Porto", "PT"),
            ("Guangzhou", "CN"),
        )
    }
    tie = factories.partnership(places["Lyon"], places["Guangzhou"])
    return {"places": places, "lyon_guangzhou": tie}


def create():
    return demo_network.demo_network_create(actor=Actor.operator("test"))


def actor(username: str) -> Actor:
    return Actor.from_user(User.objects.get(username=username), strong=True)


def demo_case(key: str) -> Case:
    return Case.objects.get(external_id=demo_network.EXTERNAL_ID_PREFIX + key)


def test_creates_member_cities_one_of_them_unverified(directory):
    report = create()
    assert report.organisations_created == 6
    orgs = {o.slug: o for o in Organisation.objects.all()}
    assert set(orgs) == {"munich", "lyon", "gothenburg", "vienna", "toronto", "porto"}
    assert [slug for slug, o in orgs.items() if not o.verified] == ["porto"]
    assert orgs["lyon"].place == directory["places"]["Lyon"]
    assert orgs["vienna"].country_id == "AT" and orgs["munich"].population > 1_000_000
    assert all("(demo)" in o.name for o in orgs.values())


def test_users_of_every_role_with_the_printed_password_and_totp_secret(directory):
    report = create()
    roles = {login.role for login in report.logins}
    assert roles == {"officer", "admin", "moderator", "operator"}
    assert len(report.logins) == User.objects.count() == len(demo_network.USERS)
    for login in report.logins:
        user = User.objects.get(username=login.username)
        assert user.check_password(login.password)
        device = TOTPDevice.objects.get(user=user)
        assert device.confirmed
        assert device.key == demo_network.totp_key(login.username)
        # what a person types into an authenticator app, and what the e2e tests compute
        assert login.totp_secret == demo_network.totp_secret(login.username)
        assert device.verify_token(totp(device.bin_key))
    assert User.objects.get(username="moderator").is_moderator
    operator = User.objects.get(username="operator")
    assert operator.is_staff and operator.organisation is None and operator.role == ""
    assert User.objects.get(username="anna.weber").is_org_admin
    # every demo user has a different secret
    assert len({login.totp_secret for login in report.logins}) == len(report.logins)


def test_cases_at_every_sharing_level_through_the_workflow(directory):
    create()
    published = Case.objects.filter(state="published")
    assert set(published.values_list("tlp", flat=True)) == {
        "red",
        "amber-strict",
        "amber",
        "green",
        "clear",
    }
    assert set(Case.objects.values_list("state", flat=True)) == {
        "published",
        "returned",
        "draft",
    }
    assert Case.objects.filter(anonymous=True, state="published").exists()
    assert set(Case.objects.values_list("language", flat=True)) >= {"de", "fr", "en"}
    munich = demo_case("munich-tibet-film")
    assert set(munich.recipient_organisations.values_list("slug", flat=True)) == {
        "lyon",
        "gothenburg",
    }
    assert list(munich.revisions.values_list("action", flat=True)) == [
        "create",
        "attach",
        "update",
        "submit",
    ]
    red = demo_case("gothenburg-tibet-film")
    assert set(red.recipient_users.values_list("username", flat=True)) == {
        "anna.weber",
        "claire.martin",
    }
    returned = demo_case("porto-study-trip")
    assert returned.state == "returned" and returned.moderation_note
    assert demo_case("lyon-school-exchange").partnership == directory["lyon_guangzhou"]
    assert CaseComment.objects.count() >= 8
    assert AuditEvent.objects.filter(action="publish").count() == 3
    assert AuditEvent.objects.filter(action="comment").count() == CaseComment.objects.count()


def test_attachments_are_small_valid_pdfs(directory):
    create()
    attachments = CaseAttachment.objects.select_related("case")
    assert attachments.count() == 2
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == attachment.size < 5000
        reader = PdfReader(io.BytesIO(data), strict=True)
        assert "Demo data" in reader.pages[0].extract_text()
    anonymous_one = attachments.get(case__anonymous=True)
    # an office's metadata, left in on purpose to show what anonymous sharing strips
    assert "Lyon" in PdfReader(anonymous_one.file.path).metadata.author
    served = attachment_open(actor=actor("anna.weber"), pk=anonymous_one.pk)
    assert served.cleaned and "Lyon" not in served.name
    assert not (PdfReader(io.BytesIO(served.content)).metadata or {}).get("/Author")
    assert AuditEvent.objects.filter(action="attach").count() == 2


def test_who_sees_what(directory):
    create()

    def titles(who):
        return set(case_queryset(actor=who).values_list("external_id", flat=True))

    prefix = demo_network.EXTERNAL_ID_PREFIX
    assert titles(Actor.anonymous()) == {prefix + "lyon-school-exchange"}
    assert prefix + "gothenburg-tibet-film" in titles(actor("claire.martin"))  # red recipient
    assert prefix + "gothenburg-tibet-film" not in titles(actor("julien.moreau"))
    assert prefix + "munich-tibet-film" in titles(actor("julien.moreau"))  # amber recipient org
    assert prefix + "munich-tibet-film" not in titles(actor("priya.shah"))
    assert prefix + "vienna-taiwan-stand" not in titles(actor("anna.weber"))  # amber-strict
    porto = titles(actor("rui.costa"))  # unverified: no green cases of others
    assert prefix + "vienna-belt-and-road" not in porto
    assert prefix + "vienna-belt-and-road" in titles(actor("priya.shah"))
    assert prefix + "munich-smart-city-draft" not in titles(actor("lukas.bauer"))  # a draft
    # the anonymous Lyon report shows a generalised reporter to other cities
    shown = case_present(actor=actor("anna.weber"), case=demo_case("lyon-tibet-film"))
    assert shown["reporter"]["generalised"] and "Lyon" not in shown["reporter"]["label"]


def test_running_twice_changes_nothing(directory):
    create()
    counts = (Organisation.objects.count(), User.objects.count(), Case.objects.count())
    comments, devices = CaseComment.objects.count(), TOTPDevice.objects.count()
    again = create()
    assert (again.organisations_created, again.users_created, again.cases_created) == (0, 0, 0)
    assert (Organisation.objects.count(), User.objects.count(), Case.objects.count()) == counts
    assert (CaseComment.objects.count(), TOTPDevice.objects.count()) == (comments, devices)
    assert len(again.logins) == len(demo_network.USERS)


def test_a_second_run_restores_the_printed_logins(directory):
    create()
    user = User.objects.get(username="eva.gruber")
    user.set_password("something-else-entirely")
    user.save()
    TOTPDevice.objects.filter(user=user).update(key="00" * 20)
    create()
    user.refresh_from_db()
    assert user.check_password(demo_network.DEMO_PASSWORD)
    assert TOTPDevice.objects.get(user=user).key == demo_network.totp_key("eva.gruber")


def test_only_operators_create_it(directory):
    User.objects.create_user("mod", is_moderator=True)
    for who in (Actor.anonymous(), actor("mod")):
        with pytest.raises(PermissionDenied):
            demo_network.demo_network_create(actor=who)
    assert not Organisation.objects.exists()


def test_refused_under_production_settings(directory):
    assert demo_network.demo_network_allowed()
    with override_settings(**PRODUCTION):
        assert not demo_network.demo_network_allowed()
        with pytest.raises(UserFacingError):
            create()
    assert not Organisation.objects.exists()
    with override_settings(DEBUG=True, SETTINGS_MODULE="twinwise.settings.prod"):
        assert demo_network.demo_network_allowed()
    with override_settings(DEBUG=False, SETTINGS_MODULE="twinwise.settings.e2e"):
        assert demo_network.demo_network_allowed()


@pytest.fixture
def quick_command(monkeypatch):
    """`twinwise demo` without the bulk loads (GeoNames, the registry, the public record)."""

    class Nothing:
        created = updated = unchanged = places_created = with_partnership = 0

    monkeypatch.setattr(demo_command, "countries_load", lambda: 0)
    monkeypatch.setattr(demo_command, "places_load_geonames", lambda: 0)
    monkeypatch.setattr(demo_command, "registry_load_bundled", lambda progress=None: Nothing())
    monkeypatch.setattr(demo_command, "public_record_load", lambda actor: PublicRecordReport())


def test_the_command_prints_the_demo_logins(directory, quick_command):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "Demo logins" in text
    assert "TOTP secret" in text and demo_network.DEMO_PASSWORD in text
    for spec in demo_network.USERS:
        assert spec.username in text and demo_network.totp_secret(spec.username) in text


def test_the_command_skips_the_demo_network_in_production(directory, quick_command):
    out = io.StringIO()
    with override_settings(**PRODUCTION):
        call_command("demo", stdout=out)
    assert "was not created" in out.getvalue()
    assert "Demo logins" not in out.getvalue()
    assert not User.objects.exists()


def test_the_readme_lists_the_demo_logins():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{demo_network.DEMO_PASSWORD}`" in readme
    for spec in demo_network.USERS:
        assert f"| {spec.username} |" in readme
        assert f"`{demo_network.totp_secret(spec.username)}`" in readme
