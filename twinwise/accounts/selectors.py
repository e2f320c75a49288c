"""Reads for members and accounts. Sight of members follows one rule: an organisation's
members (signed in with two factors) see its members; no one else sees them."""

import hashlib

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from twinwise.access.actors import Actor
from twinwise.access.policy import visible

from .models import ApiToken, Invitation, Organisation, User


def secret_hash(raw: str) -> str:
    """The SHA-256 (hex) under which a token or invitation secret is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def members_visible(actor: Actor) -> QuerySet[User]:
    """The users of the actor's organisation (access rule accounts.user/view)."""
    return visible(actor, User.objects.all())


def member_list(*, actor: Actor) -> QuerySet[User]:
    """The actor's colleagues: active ones first, then by name."""
    return members_visible(actor).order_by("-is_active", "first_name", "last_name", "username")


def member_get(*, actor: Actor, pk: int) -> User:
    """One member of the actor's organisation, or Http404 (other organisations' included)."""
    member = members_visible(actor).filter(pk=pk).first()
    if member is None:
        raise Http404("No such member.")
    return member


def active_admins(organisation_id: int | None) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=organisation_id, role=User.Role.ADMIN, is_active=True
    )


def organisation_of(*, actor: Actor) -> Organisation | None:
    if actor.organisation_id is None:
        return None
    return Organisation.objects.filter(pk=actor.organisation_id).first()


def invitation_state(invitation: Invitation) -> str:
    """pending, accepted, revoked or expired."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def invitations_pending(*, actor: Actor) -> QuerySet[Invitation]:
    """Invitations of the actor's organisation that can still be accepted (admins only)."""
    return (
        visible(actor, Invitation.objects.all())
        .filter(
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
    )


def invitation_by_token(raw_token: str) -> Invitation | None:
    """The invitation a link's secret belongs to (looked up by its hash), if any."""
    if not raw_token or len(raw_token) > 100:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=secret_hash(raw_token))
        .first()
    )


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (revoked ones too, marked as such)."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_second_factor(user: User) -> bool:
    """An app, or recovery codes still unused: then sign-in asks for a code, not a new set-up.

    (A user with neither — a new account, or one whose factors an operator removed — sets
    one up right after the password.)
    """
    return has_authenticator(user) or recovery_codes_left(user) > 0


def email_has_account(email: str) -> bool:
    """Whether an active account uses this email address (to suggest signing in instead)."""
    return User.objects.filter(email__iexact=email, is_active=True).exists()
