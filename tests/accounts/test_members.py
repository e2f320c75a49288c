"""An organisation's members: invitations by email, roles, deactivation, leaving — and that
only that organisation's admins may change anything (404 elsewhere, 403 for officers)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts import services
from twinwise.accounts.models import ApiToken, Invitation, User

from .conftest import PASSWORD, sign_in_verified

MEMBERS = reverse("accounts:members")
INVITE = reverse("accounts:invite")
LINK = re.compile(r"http://testserver(/invitations/[^/\s]+/)")


def invitation_link() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


@pytest.fixture
def lyon_admin(client, members):
    sign_in_verified(client, members["lyon_admin"])
    return client


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invitation form. Emails leave when the transaction commits; tests run inside
    one, so the captured callbacks run when the request is done."""

    def post(client, email="eve@lyon.example", role="officer"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(INVITE, {"email": email, "role": role})

    return post


def test_members_page_lists_only_the_organisation(lyon_admin, members):
    html = lyon_admin.get(MEMBERS).content.decode()
    assert "Amélie Roux" in html and "bruno" in html
    assert "clara" not in html  # Freiburg's admin
    assert "Invite a colleague" in html


def test_officer_sees_colleagues_but_cannot_manage(client, members):
    sign_in_verified(client, members["lyon_officer"])
    html = client.get(MEMBERS).content.decode()
    assert "amelie" in html and "Invite a colleague" not in html
    assert client.get(INVITE).status_code == 403
    assert (
        client.get(reverse("accounts:member", args=[members["lyon_admin"].pk])).status_code == 403
    )
    response = client.post(reverse("accounts:member_deactivate", args=[members["lyon_admin"].pk]))
    assert response.status_code == 403
    assert User.objects.get(pk=members["lyon_admin"].pk).is_active


def test_other_organisations_members_are_404(lyon_admin, members):
    other = members["freiburg_admin"].pk
    assert lyon_admin.get(reverse("accounts:member", args=[other])).status_code == 404
    assert lyon_admin.post(reverse("accounts:member_deactivate", args=[other])).status_code == 404
    assert User.objects.get(pk=other).is_active


def test_without_an_organisation_there_is_no_members_page(client, members):
    sign_in_verified(client, members["loner"])
    assert client.get(MEMBERS).status_code == 404


def test_invitation_is_emailed_and_creates_an_account(lyon_admin, members, invite):
    response = invite(lyon_admin, "Eve@Lyon.example", "admin")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Eve@Lyon.example"]
    assert "Lyon — International Relations" in message.subject
    link = invitation_link()
    invitation = Invitation.objects.get()
    assert link.split("/")[2] not in invitation.token_hash  # only the hash is stored
    assert len(invitation.token_hash) == 64
    assert "eve@lyon.example" in lyon_admin.get(MEMBERS).content.decode().lower()

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Join Lyon" in page.content.decode()
    weak = visitor.post(link, {"username": "eve", "password1": "short", "password2": "short"})
    assert weak.status_code == 400 and "too short" in weak.content.decode()
    done = visitor.post(link, {"username": "eve", "password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    assert done["Location"].startswith(reverse("accounts:otp_setup"))
    eve = User.objects.get(username="eve")
    assert eve.organisation == members["lyon"] and eve.role == "admin"
    assert eve.email == "Eve@Lyon.example" and eve.check_password(PASSWORD)

    # Used once: the same link now explains itself and creates nothing.
    reused = Client().post(link, {"username": "eve2", "password1": PASSWORD, "password2": PASSWORD})
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()
    assert not User.objects.filter(username="eve2").exists()


def test_expired_invitation_is_refused(lyon_admin, members, invite):
    invite(lyon_admin)
    link = invitation_link()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    post = Client().post(link, {"username": "eve", "password1": PASSWORD, "password2": PASSWORD})
    assert post.status_code == 410
    assert not User.objects.filter(username="eve").exists()


def test_unknown_invitation_is_404(client, db):
    assert client.get(reverse("accounts:invitation_accept", args=["nope"])).status_code == 404


def test_invitation_expiry_follows_the_setting(lyon_admin, settings, invite):
    settings.INVITATION_DAYS = 2
    invite(lyon_admin)
    invitation = Invitation.objects.get()
    assert timedelta(days=2) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)


def test_revoked_invitation_is_refused(lyon_admin, invite):
    invite(lyon_admin)
    link = invitation_link()
    invitation = Invitation.objects.get()
    response = lyon_admin.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    assert Client().get(link).status_code == 410


def test_a_new_invitation_replaces_the_old_one(lyon_admin, invite):
    invite(lyon_admin)
    first = invitation_link()
    invite(lyon_admin)
    second = invitation_link()
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200


def test_inviting_a_current_member_is_an_error_next_to_the_field(lyon_admin, members, invite):
    response = invite(lyon_admin, "bruno@example.org")
    assert response.status_code == 400
    html = response.content.decode()
    assert "already a member" in html and 'id="id_email_error"' in html
    assert not mail.outbox


def test_bad_email_is_reported(lyon_admin, invite):
    response = invite(lyon_admin, "not an email")
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()


def test_existing_user_without_organisation_joins(lyon_admin, members, invite):
    invite(lyon_admin, "dana@example.org")
    link = invitation_link()
    dana = Client()
    sign_in_verified(dana, members["loner"])
    page = dana.get(link)
    assert "Accept and join" in page.content.decode()
    response = dana.post(link)
    assert response.status_code == 302 and response["Location"] == MEMBERS
    members["loner"].refresh_from_db()
    assert members["loner"].organisation == members["lyon"]
    assert members["loner"].role == "officer"


def test_user_of_another_organisation_cannot_join(lyon_admin, members, invite):
    invite(lyon_admin, "clara@example.org")
    link = invitation_link()
    clara = Client()
    sign_in_verified(clara, members["freiburg_admin"])
    response = clara.post(link)
    assert response.status_code == 400
    members["freiburg_admin"].refresh_from_db()
    assert members["freiburg_admin"].organisation == members["freiburg"]
    assert Invitation.objects.get().accepted_at is None


def test_change_role_and_last_admin_rule(lyon_admin, members):
    officer = members["lyon_officer"]
    url = reverse("accounts:member", args=[officer.pk])
    assert lyon_admin.post(url, {"role": "admin"}).status_code == 302
    officer.refresh_from_db()
    assert officer.role == "admin"
    # Two admins: Amélie may step down; then Bruno is the last and may not.
    own = reverse("accounts:member", args=[members["lyon_admin"].pk])
    assert lyon_admin.post(own, {"role": "officer"}).status_code == 302
    actor = Actor.from_user(officer)
    with pytest.raises(services.UserFacingError, match="at least one admin"):
        services.member_set_role(actor=actor, pk=officer.pk, role="officer")


def test_last_admin_cannot_step_down_on_the_page(lyon_admin, members):
    own = reverse("accounts:member", args=[members["lyon_admin"].pk])
    response = lyon_admin.post(own, {"role": "officer"})
    assert response.status_code == 400
    assert "at least one admin" in response.content.decode()


def test_deactivate_signs_out_and_revokes_tokens(lyon_admin, members):
    officer = members["lyon_officer"]
    _token, raw = services.api_token_create(actor=Actor.operator(), user=officer, name="script")
    other = Client()
    sign_in_verified(other, officer)
    assert other.get(reverse("accounts:account")).status_code == 200

    response = lyon_admin.post(reverse("accounts:member_deactivate", args=[officer.pk]))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    assert other.get(reverse("accounts:account")).status_code == 302  # signed out
    assert ApiToken.objects.get().revoked_at is not None
    assert services.api_token_authenticate(raw) is None
    assert "Deactivated" in lyon_admin.get(MEMBERS).content.decode()


def test_admin_cannot_deactivate_themselves(lyon_admin, members):
    response = lyon_admin.post(
        reverse("accounts:member_deactivate", args=[members["lyon_admin"].pk])
    )
    assert response.status_code == 302
    assert User.objects.get(pk=members["lyon_admin"].pk).is_active


def test_officer_leaves(client, members):
    sign_in_verified(client, members["lyon_officer"])
    assert client.get(reverse("accounts:leave")).status_code == 200
    response = client.post(reverse("accounts:leave"))
    assert response.status_code == 302
    officer = User.objects.get(pk=members["lyon_officer"].pk)
    assert officer.organisation is None and officer.role == ""
    assert "You have left" in client.get(reverse("accounts:account")).content.decode()


def test_last_admin_cannot_leave(lyon_admin, members):
    response = lyon_admin.post(reverse("accounts:leave"))
    assert response.status_code == 400
    assert "only admin" in response.content.decode()
    assert User.objects.get(pk=members["lyon_admin"].pk).organisation == members["lyon"]


def test_services_refuse_without_two_factors(members):
    """A password-only session's actor has no organisation: nothing to see, nothing to change."""
    weak = Actor.from_user(members["lyon_admin"], strong=False)
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=weak, email="x@example.org", role="officer", link=str)
    with pytest.raises(services.Http404):
        services.member_deactivate(actor=weak, pk=members["lyon_officer"].pk)


def test_invitation_revoke_of_another_organisation_is_404(members):
    invitation = services.invitation_create(
        actor=Actor.from_user(members["freiburg_admin"]),
        email="x@example.org",
        role="officer",
        link=str,
    )
    with pytest.raises(services.Http404):
        services.invitation_revoke(actor=Actor.from_user(members["lyon_admin"]), pk=invitation.pk)
    officer = User.objects.create(username="fo", organisation=members["freiburg"], role="officer")
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=Actor.from_user(officer), pk=invitation.pk)


def test_admin_reactivates_a_member(lyon_admin, members):
    officer = members["lyon_officer"]
    lyon_admin.post(reverse("accounts:member_deactivate", args=[officer.pk]))
    assert "Reactivate" in lyon_admin.get(MEMBERS).content.decode()
    response = lyon_admin.post(reverse("accounts:member_reactivate", args=[officer.pk]))
    assert response.status_code == 302
    assert User.objects.get(pk=officer.pk).is_active


def test_reactivate_of_another_organisation_is_404(lyon_admin, members):
    other = members["freiburg_admin"]
    other.is_active = False
    other.save()
    assert (
        lyon_admin.post(reverse("accounts:member_reactivate", args=[other.pk])).status_code == 404
    )
    assert not User.objects.get(pk=other.pk).is_active
