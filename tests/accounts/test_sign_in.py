"""Signing in: password (throttled), then the second factor — set up or entered — and what a
member sees before and after it."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from twinwise.access.actors import actor_for

from .conftest import PASSWORD, authenticator, code_for, sign_in_verified

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:otp_setup")
VERIFY = reverse("accounts:otp_verify")
ACCOUNT = reverse("accounts:account")
LOCKOUT = override_settings(AXES_LOCKOUT_CALLABLE="twinwise.accounts.views.account_locked")


def sign_in_password(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def test_sign_in_page_renders(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html and 'autocomplete="current-password"' in html
    assert "<script>" not in html  # the CSP allows no inline script


def test_first_sign_in_sets_up_the_app_then_shows_recovery_codes_once(client, members):
    response = sign_in_password(client, "bruno", next_url="/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    # Password alone gives public sight only.
    assert client.get(ACCOUNT)["Location"].startswith(SETUP)

    setup = client.get(response["Location"])
    assert setup.status_code == 200
    html = setup.content.decode()
    assert "<svg" in html and "<title>" in html  # the QR code, inline, made on the server
    assert "style=" not in html and "<script>" not in html  # nothing the CSP would block
    device = TOTPDevice.objects.get(user=members["lyon_officer"], confirmed=False)
    assert 'id="totp-secret"' in html

    wrong = client.post(SETUP, {"code": "000000", "next": "/accounts/tokens/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()

    done = client.post(SETUP, {"code": code_for(device), "next": "/accounts/tokens/"})
    assert done.status_code == 302
    assert done["Location"].startswith(reverse("accounts:recovery_codes"))
    device.refresh_from_db()
    assert device.confirmed

    codes_page = client.get(done["Location"]).content.decode()
    codes = list(
        StaticToken.objects.filter(device__user=members["lyon_officer"]).values_list(
            "token", flat=True
        )
    )
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    assert "/accounts/tokens/" in codes_page  # continue where the person was going
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in codes)  # shown once
    assert "10" in again
    assert client.get(ACCOUNT).status_code == 200


def test_sign_in_with_the_app(client, members):
    user = members["lyon_admin"]
    device = authenticator(user)
    response = sign_in_password(client, "amelie", next_url="/organisation/members/")
    assert response["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)  # a password cannot add an app
    page = client.get(response["Location"])
    assert page.status_code == 200

    done = client.post(VERIFY, {"code": code_for(device), "next": "/organisation/members/"})
    assert done.status_code == 302 and done["Location"] == "/organisation/members/"
    assert client.get("/organisation/members/").status_code == 200


def test_sign_in_with_email_address(client, members):
    response = sign_in_password(client, "Amelie@Example.org")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_wrong_password_is_one_calm_message(client, members):
    response = sign_in_password(client, "amelie", "wrong password here")
    assert response.status_code == 200
    html = response.content.decode()
    assert "do not match an account" in html
    assert 'class="error-summary"' in html


def test_recovery_code_signs_in_once(client, members):
    user = members["lyon_officer"]
    authenticator(user)
    from twinwise.accounts.services import recovery_codes_generate

    codes = recovery_codes_generate(user=user)
    sign_in_password(client, "bruno")
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:recovery_codes"))
    assert "9" in client.get(response["Location"]).content.decode()

    client.post(reverse("accounts:logout"))
    sign_in_password(client, "bruno")
    reused = client.post(VERIFY, {"code": codes[0]})
    assert reused.status_code == 200
    assert "not right" in reused.content.decode()


def test_wrong_codes_back_off(client, members):
    authenticator(members["lyon_officer"])
    sign_in_password(client, "bruno")
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": "000001"})
    assert "Too many wrong codes" in response.content.decode()


def test_only_codes_left_still_asks_for_a_code(client, members):
    """Recovery codes without an app: sign-in asks for a code, it never offers a new set-up."""
    from twinwise.accounts.services import recovery_codes_generate

    recovery_codes_generate(user=members["lyon_officer"])
    response = sign_in_password(client, "bruno")
    assert response["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)


@LOCKOUT
def test_lockout_after_five_failures_then_a_calm_429(client, members):
    for _ in range(4):
        assert sign_in_password(client, "amelie", "not the password").status_code == 200
    locked = sign_in_password(client, "amelie", "not the password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Signing in is paused" in html and "try again after" in html
    # Even the right password is refused while locked.
    assert sign_in_password(client, "amelie").status_code == 429


@LOCKOUT
def test_lockout_counts_email_and_username_together(client, members):
    for _ in range(3):
        sign_in_password(client, "amelie", "not the password")
    sign_in_password(client, "amelie@example.org", "not the password")
    assert sign_in_password(client, "AMELIE@example.org", "not the password").status_code == 429


def test_sign_out_is_a_post(client, members):
    sign_in_verified(client, members["lyon_officer"])
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200 and "Sign out" in page.content.decode()
    assert client.get(ACCOUNT).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)


def test_member_required_sends_strangers_to_sign_in(client, db):
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={ACCOUNT}"


def test_next_is_kept_on_this_site(client, members):
    authenticator(members["lyon_officer"])
    sign_in_password(client, "bruno")
    device = TOTPDevice.objects.get(user=members["lyon_officer"])
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("verified", [False, True])
def test_actor_sees_member_content_only_with_two_factors(client, members, rf, verified):
    user = members["lyon_admin"]
    if verified:
        sign_in_verified(client, user)
    else:
        client.force_login(user)
    response = client.get("/")
    actor = actor_for(response.wsgi_request)
    assert actor.user_id == user.pk
    if verified:
        assert actor.organisation_id == members["lyon"].pk and actor.is_org_admin
    else:
        assert actor.organisation_id is None and not actor.is_org_admin


def test_header_shows_sign_in_and_sign_out(client, members):
    assert "Sign in" in client.get(LOGIN).content.decode()
    sign_in_verified(client, members["lyon_officer"])
    html = client.get(ACCOUNT).content.decode()
    assert "Your account" in html and reverse("accounts:logout") in html


def test_replacing_the_app_needs_two_factors_and_keeps_one_app(client, members):
    user = members["lyon_officer"]
    old = sign_in_verified(client, user)
    page = client.get(SETUP)
    assert page.status_code == 200 and "Set up a new authenticator app" in page.content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(SETUP, {"code": code_for(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_regenerate_recovery_codes(client, members):
    user = members["lyon_officer"]
    sign_in_verified(client, user)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10 and all(c in html for c in codes)


def test_deactivated_member_is_signed_out(client, members):
    user = members["lyon_officer"]
    sign_in_verified(client, user)
    assert client.get(ACCOUNT).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
