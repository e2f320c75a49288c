"""A small member network for the exchange journeys, and the browser steps they share.

Lyon, Munich and Gothenburg are verified member organisations; every person has a password
and a confirmed authenticator app whose key the tests know, so they sign in exactly as a
city officer would: password, then the six-digit code the app shows now.
"""

import re
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.cases.pages_fixtures import REPORT, actor, organisation, person
from twinwise.cases import services

PASSWORD = "Lantern-harbour-71-quietly"  # a test account's, in the test database only

# The report Lyon files in the journeys, and one Munich shares with Gothenburg so that
# Gothenburg's list is not empty for an uninteresting reason.
RED_REPORT = {
    "title": "Consulate letter demands we cancel the Tibet film night",
    "year": "2024",
    "counterpart_name": "Consulate General of the PRC in Lyon",
    "summary": "A letter from the consulate asked the city to cancel a documentary screening.",
}
AMBER_REPORT = {
    "title": "Delegation visit postponed after a council motion",
    "occurred_on": "2023-05",
    "counterpart_kind": "city",
    "counterpart_name": "Foreign Affairs Office of the partner city",
    "case_type": "retaliation",
    "topics": ["taiwan"],
    "summary": "The partner city postponed a delegation visit after the council debated Taiwan.",
    "tlp": "amber",
}


FAVICON = "/static/twinwise/favicon.svg"


@pytest.fixture
def favicon_aborts_forgiven(watcher):
    """Chromium asks for the favicon after each page has loaded, and a journey that signs in
    (password, code, next page) leaves pages within milliseconds, aborting that request. It
    is no fault of the site; any other failure of the favicon (a 404, say) still counts."""
    failed = watcher._failed

    def unless_favicon_aborted(request) -> None:
        aborted = "ERR_ABORTED" in (request.failure or "")
        if not (aborted and urlsplit(request.url).path == FAVICON):
            failed(request)

    watcher._failed = unless_favicon_aborted  # before the context attaches it to its pages
    return watcher


@dataclass
class Member:
    """A person of the network, as the journeys need them: who they are and how to sign in."""

    user: object
    key: bytes  # the authenticator app's secret

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def name(self) -> str:
        return self.user.get_full_name()

    def code(self) -> str:
        """The six digits the person's authenticator app shows right now."""
        return f"{totp(self.key):06d}"


def member(username: str, org, role: str = "officer") -> Member:
    user = person(username, org, role)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return Member(user=user, key=device.bin_key)


@pytest.fixture
def exchange(transactional_db):
    """Three verified offices and their people, committed so the live server sees them."""
    lyon = organisation("lyon", "Lyon", "FR", population=520_000)
    munich = organisation("munich", "Munich", "DE", population=1_500_000)
    gothenburg = organisation("gothenburg", "Gothenburg", "SE", population=600_000)
    world = {
        "lyon": lyon,
        "munich": munich,
        "gothenburg": gothenburg,
        "ana": member("ana.martin", lyon),  # files the red report
        "claire": member("claire.dubois", lyon, "admin"),
        "max": member("max.huber", munich),  # the one person it is shared with
        "mia": member("mia.weber", munich, "admin"),
        "greta": member("greta.lind", gothenburg, "admin"),  # another organisation's admin
    }
    munich_says = actor(world["mia"].user)
    amber = services.case_create(
        actor=munich_says, data=AMBER_REPORT, recipients={"members": [gothenburg.pk]}
    )
    world["amber_report"] = services.case_submit(actor=munich_says, case=amber)
    return world


def red_report_for(world, *, recipient: str = "max"):
    """Lyon's red report for one person, filed through the services (for the page checks)."""
    data = {
        **REPORT,
        "title": RED_REPORT["title"],
        "counterpart_name": RED_REPORT["counterpart_name"],
        "summary": RED_REPORT["summary"],
        "tlp": "red",
    }
    who = actor(world["ana"].user)
    case = services.case_create(
        actor=who, data=data, recipients={"users": [world[recipient].user.pk]}
    )
    return services.case_submit(actor=who, case=case)


def strong_session(context, live_server, someone: Member) -> None:
    """Put a password + second-factor session into the browser, without the sign-in pages.

    For pages checked on their own; the journeys sign in through the pages. (Signing the same
    person in twice within one 30-second step would be refused: a code works only once.)
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["_auth_user_id"] = str(someone.user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = someone.user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=someone.user).persistent_id
    session.create()
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}
    context.add_cookies([{**cookie, "url": live_server.url}])


def sign_in(page, someone: Member, *, start: str = "/cases/") -> None:
    """From `start`, follow "Sign in": password first, then the code from the app."""
    page.goto(start)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Username or email address").fill(someone.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/accounts/two-factor/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    page.get_by_label("Code").fill(someone.code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(start) + "$"))


def sign_out(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign out").click()
    page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()


def expect_not_found(page, watcher, path: str, *, hidden: str) -> None:
    """The address answers 404 with the ordinary "Page not found" page and reveals nothing.

    The 404 is what the test wants, so the watcher's two notes about it (the response and
    chromium's console line for it) are taken back; anything else it saw still fails the test.
    """
    with page.expect_console_message(
        lambda m: "status of 404" in m.text and m.location.get("url", "").endswith(path)
    ) as console:
        response = page.goto(path)
        assert response is not None and response.status == 404, (path, response.status)
    # The watcher's handler was registered first, so it has seen both notes by now.
    expected = [
        f"HTTP 404 for {response.url}",
        f"console error on {console.value.location['url']}: {console.value.text}",
    ]
    for note in expected:
        assert note in watcher.problems, (note, watcher.problems)
        watcher.problems.remove(note)
    watcher.assert_clean()
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text(hidden)
    assert hidden not in page.title()
