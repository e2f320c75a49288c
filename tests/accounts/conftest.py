"""Fixtures for the accounts tests: two verified member cities, an unverified one, and
helpers to sign in with a password and a second factor."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from twinwise.accounts.models import Organisation, User

PASSWORD = "quiet river lantern 42"


def make_user(username: str, organisation=None, role: str = "", **extra) -> User:
    user = User(
        username=username,
        email=f"{username}@example.org",
        organisation=organisation,
        role=role if organisation else "",
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def code_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The app's current code (`ahead` steps later: a fresh code the device has not seen yet)."""
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + ahead,
    )
    return f"{value:06d}"


def authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app for `user`."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def sign_in_verified(client, user: User) -> TOTPDevice:
    """Sign `user` in with both factors without going through the pages."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def members(db):
    """Lyon (verified; an admin and an officer), Freiburg (verified; an admin) and an unverified office."""
    lyon_place = factories.place("Lyon", "FR", population=472_317, wikidata="Q456")
    freiburg_place = factories.place("Freiburg im Breisgau", "DE", population=231_195)
    lyon = Organisation.objects.create(
        slug="lyon",
        name="Lyon — International Relations",
        place=lyon_place,
        country_id="FR",
        population=472_317,
        verified=True,
    )
    freiburg = Organisation.objects.create(
        slug="freiburg",
        name="Freiburg — International Office",
        place=freiburg_place,
        country_id="DE",
        population=231_195,
        verified=True,
    )
    unverified = Organisation.objects.create(
        slug="newtown", name="Newtown", country_id="DE", population=50_000
    )
    return {
        "lyon": lyon,
        "freiburg": freiburg,
        "unverified": unverified,
        "lyon_admin": make_user("amelie", lyon, "admin", first_name="Amélie", last_name="Roux"),
        "lyon_officer": make_user("bruno", lyon, "officer"),
        "freiburg_admin": make_user("clara", freiburg, "admin"),
        "loner": make_user("dana"),
    }
