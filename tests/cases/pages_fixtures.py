"""A small member network for the report-page tests, and a strong (two-factor) sign-in.

Imported by the `test_pages_*.py` modules (`from tests.cases.pages_fixtures import *`), so the
fixtures stay out of the shared conftest files.
"""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from twinwise.access.actors import Actor
from twinwise.accounts.models import Organisation, User
from twinwise.cases import services

REPORT = {
    "title": "Consulate asks to cancel Tibetan film screening",
    "occurred_on": "2021-02",
    "counterpart_kind": "consulate",
    "counterpart_name": "Consulate General of the PRC in Munich",
    "case_type": "demand",
    "topics": ["tibet", "culture"],
    "channel": "letter",
    "summary": "A letter arrived two weeks before the festival.",
    "demand": "Cancel the screening of a documentary about Tibet.",
    "response": "The mayor's office replied that the festival is independent.",
    "response_type": "declined",
    "outcome": "The screening went ahead; the consulate cancelled a planned visit.",
    "lessons": "Answer in writing, briefly, and inform the council.",
    "tlp": "amber",
}


def organisation(slug: str, city: str, iso2: str, *, verified=True, population=250_000):
    place = factories.place(city, iso2, population=population)
    return Organisation.objects.create(
        slug=slug,
        name=f"City of {city} – International Office",
        place=place,
        country=factories.country(iso2),
        population=population,
        verified=verified,
    )


def person(username: str, org, role: str = "officer", **extra) -> User:
    first, _, last = username.partition(".")
    return User.objects.create_user(
        username,
        password="pw",
        first_name=first.title(),
        last_name=last.title(),
        organisation=org,
        role=role if org else "",
        **extra,
    )


def actor(user: User) -> Actor:
    return Actor.from_user(user, strong=True)


def login_strong(client: Client, user: User) -> Client:
    """Sign `user` in with a password and a (confirmed) TOTP second factor."""
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="app", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def net(db):
    lyon = organisation("lyon", "Lyon", "FR", population=520_000)
    munich = organisation("munich", "Munich", "DE", population=1_500_000)
    leipzig = organisation("leipzig", "Leipzig", "DE", population=600_000)
    porto = organisation("porto", "Gothenburg", "SE", verified=False)
    return {
        "lyon": lyon,
        "munich": munich,
        "leipzig": leipzig,
        "unverified": porto,
        "ana": person("ana.martin", lyon),
        "boss": person("claire.dubois", lyon, "admin"),
        "max": person("max.huber", munich),
        "mia": person("mia.weber", munich, "admin"),
        "zoe": person("zoe.schulz", leipzig),
        "mod": person("mo.derator", None, is_moderator=True),
    }


@pytest.fixture
def as_user(net):
    """`as_user("ana")` → a client signed in with two factors as that person."""

    def make(name: str, **client_kwargs) -> Client:
        return login_strong(Client(**client_kwargs), net[name])

    return make


def shared_report(net, *, author="ana", data=None, recipients=None):
    """A report filed and submitted through the services (amber to Munich by default)."""
    data = {**REPORT, **(data or {})}
    if recipients is None and data["tlp"] == "amber":
        recipients = {"members": [net["munich"].pk]}
    who = actor(net[author])
    case = services.case_create(actor=who, data=data, recipients=recipients)
    return services.case_submit(actor=who, case=case)
