"""Who is asking: the Actor a request or a command becomes."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from twinwise.access.actors import Actor, actor_for, is_strongly_authenticated

pytestmark = pytest.mark.django_db


def request(user, *, verified=None, token=False):
    """A stand-in request: `verified` mimics django-otp's `user.is_verified()`."""
    if verified is not None:
        user.is_verified = lambda: verified
    req = SimpleNamespace(user=user)
    if token:
        req.auth_via_token = True
    return req


def test_anonymous_and_operator():
    anonymous = Actor.anonymous()
    assert anonymous.is_anonymous and not anonymous.is_member
    operator = Actor.operator()
    assert operator.is_staff and operator.username == "command-line"
    assert not operator.is_anonymous and not operator.is_member


def test_a_member_with_two_factors(persona_world):
    user = persona_world.users["lyon_admin"]
    actor = Actor.from_user(user, strong=True)
    assert actor.is_member and actor.organisation_verified and actor.is_org_admin
    assert actor.username == "lyon_admin" and not actor.is_anonymous


def test_a_member_without_a_second_factor_is_only_a_signed_in_visitor(persona_world):
    actor = Actor.from_user(persona_world.users["lyon_admin"], strong=False)
    assert actor.user_id == persona_world.users["lyon_admin"].pk
    assert not actor.is_member and not actor.is_org_admin and not actor.organisation_verified


def test_moderators_and_unverified_members(persona_world):
    assert persona_world.actors["moderator"].is_moderator
    assert not persona_world.actors["moderator"].is_member
    assert not Actor.from_user(persona_world.users["moderator"], strong=False).is_moderator
    unverified = persona_world.actors["unverified_officer"]
    assert unverified.is_member and not unverified.organisation_verified


def test_nobody_signed_in_or_deactivated_is_anonymous(persona_world):
    assert Actor.from_user(None) == Actor.anonymous()
    assert Actor.from_user(AnonymousUser()) == Actor.anonymous()
    user = persona_world.users["lyon_officer"]
    user.is_active = False  # not saved: the object is enough
    try:
        assert Actor.from_user(user) == Actor.anonymous()
    finally:
        user.is_active = True


def test_strong_authentication(persona_world):
    user = persona_world.users["lyon_officer"]
    try:
        assert is_strongly_authenticated(request(user, token=True))
        assert is_strongly_authenticated(request(user, verified=True))
        assert not is_strongly_authenticated(request(user, verified=False))
    finally:
        del user.is_verified
    assert not is_strongly_authenticated(request(user))  # django-otp not in the middleware
    assert not is_strongly_authenticated(SimpleNamespace())


def test_actor_for_a_request_is_built_once(persona_world):
    user = persona_world.users["munich_officer"]
    req = request(user, token=True)
    actor = actor_for(req)
    assert actor == Actor.from_user(user, strong=True)
    req.user = None
    assert actor_for(req) is actor  # cached on the request
    assert actor_for(request(AnonymousUser())) == Actor.anonymous()
