"""API tokens: the page (create once-shown, list, revoke) and the Bearer authentication."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.testing import TestClient

from twinwise.access.actors import Actor, actor_for
from twinwise.access.policy import PermissionDenied
from twinwise.accounts import services
from twinwise.accounts.auth import ApiTokenAuth, OptionalApiTokenAuth
from twinwise.accounts.models import ApiToken

from .conftest import sign_in_verified

TOKENS = reverse("accounts:tokens")
TOKEN = re.compile(r"tw_[A-Za-z0-9_-]{40}")


def new_token(user, name="script"):
    return services.api_token_create(actor=Actor.operator(), user=user, name=name)


def test_token_format_and_storage(members):
    token, raw = new_token(members["lyon_officer"])
    assert TOKEN.fullmatch(raw)
    assert token.prefix == raw[:11] and raw not in token.token_hash
    assert token.token_hash == services.secret_hash(raw)


def test_tokens_page_creates_shows_once_lists_and_revokes(client, members):
    sign_in_verified(client, members["lyon_officer"])
    empty = client.get(TOKENS)
    assert empty.status_code == 200 and "You have no tokens" in empty.content.decode()

    response = client.post(TOKENS, {"name": "Case export"})
    assert response.status_code == 302
    shown = client.get(TOKENS).content.decode()
    raw = TOKEN.search(shown).group(0)
    assert "never" in shown  # not used yet
    token = ApiToken.objects.get()
    assert token.name == "Case export" and token.user == members["lyon_officer"]
    assert services.api_token_authenticate(raw) == members["lyon_officer"]

    listed = client.get(TOKENS).content.decode()
    assert raw not in listed  # shown once
    assert "Case export" in listed and token.prefix in listed

    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in client.get(TOKENS).content.decode()
    assert services.api_token_authenticate(raw) is None


def test_token_name_is_required(client, members):
    sign_in_verified(client, members["lyon_officer"])
    response = client.post(TOKENS, {"name": ""})
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_tokens_of_others_cannot_be_revoked(client, members):
    token, _raw = new_token(members["freiburg_admin"])
    sign_in_verified(client, members["lyon_admin"])
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_page_needs_two_factors(client, members):
    client.force_login(members["lyon_officer"])
    assert client.get(TOKENS)["Location"].startswith(reverse("accounts:otp_setup"))


def test_only_oneself_or_an_operator_creates_tokens(members):
    with pytest.raises(PermissionDenied):
        services.api_token_create(
            actor=Actor.from_user(members["lyon_admin"]), user=members["lyon_officer"], name="x"
        )


# -- the Bearer authentication ------------------------------------------------------------------


def bearer(rf, value: str):
    return rf.get("/api/v1/x", HTTP_AUTHORIZATION=value)


def test_auth_accepts_a_valid_token_and_makes_the_request_a_member(rf, members):
    _token, raw = new_token(members["lyon_admin"])
    request = bearer(rf, f"Bearer {raw}")
    assert ApiTokenAuth()(request) == members["lyon_admin"]
    assert request.user == members["lyon_admin"] and request.auth_via_token is True
    actor = actor_for(request)
    assert actor.organisation_id == members["lyon"].pk and actor.is_org_admin


@pytest.mark.parametrize(
    "value",
    [
        "Bearer tw_" + "A" * 40,  # well formed, unknown
        "Bearer tw_" + "A" * 39,  # too short
        "Bearer tw_" + "A" * 39 + "!",  # not URL-safe
        "Bearer xx_" + "A" * 40,  # wrong prefix
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "tw_" + "A" * 40,  # no scheme
    ],
)
def test_auth_rejects_unknown_and_malformed_tokens(rf, members, value):
    request = bearer(rf, value)
    assert not ApiTokenAuth()(request)
    assert not getattr(request, "auth_via_token", False)


def test_auth_rejects_revoked_tokens_and_inactive_users(rf, members):
    token, raw = new_token(members["lyon_officer"])
    token.revoked_at = timezone.now()
    token.save()
    assert not ApiTokenAuth()(bearer(rf, f"Bearer {raw}"))
    _token, raw2 = new_token(members["freiburg_admin"])
    members["freiburg_admin"].is_active = False
    members["freiburg_admin"].save()
    assert not ApiTokenAuth()(bearer(rf, f"Bearer {raw2}"))


def test_last_used_is_written_at_most_once_a_minute(rf, members, django_assert_num_queries):
    token, raw = new_token(members["lyon_officer"])
    ApiTokenAuth()(bearer(rf, f"Bearer {raw}"))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the lookup only, no write
        ApiTokenAuth()(bearer(rf, f"Bearer {raw}"))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    ApiTokenAuth()(bearer(rf, f"Bearer {raw}"))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


# -- through a tiny API -------------------------------------------------------------------------

api = NinjaAPI(urls_namespace="accounts-auth-test")


@api.get("/me", auth=ApiTokenAuth())
def me(request):
    actor = actor_for(request)
    return {"user": actor.username, "organisation": actor.organisation_id}


@api.get("/maybe", auth=OptionalApiTokenAuth())
def maybe(request):
    actor = actor_for(request)
    return {"anonymous": actor.is_anonymous, "organisation": actor.organisation_id}


@pytest.fixture
def api_client():
    return TestClient(api)


def test_api_with_a_token(api_client, members):
    _token, raw = new_token(members["lyon_officer"])
    response = api_client.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json() == {"user": "bruno", "organisation": members["lyon"].pk}


def test_api_without_or_with_bad_token_is_401(api_client, members):
    assert api_client.get("/me").status_code == 401
    assert api_client.get("/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_optional_auth_anonymous_or_member_but_never_a_bad_token(api_client, members):
    anonymous = api_client.get("/maybe")
    assert anonymous.status_code == 200 and anonymous.json()["anonymous"] is True
    _token, raw = new_token(members["lyon_officer"])
    member = api_client.get("/maybe", headers={"Authorization": f"Bearer {raw}"})
    assert member.json() == {"anonymous": False, "organisation": members["lyon"].pk}
    bad = api_client.get("/maybe", headers={"Authorization": "Bearer tw_" + "x" * 40})
    assert bad.status_code == 401
