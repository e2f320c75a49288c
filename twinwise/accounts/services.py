"""Writes for members and accounts: users, invitations, roles, API tokens, second factors,
and the `members` import.

Who may do what (checked here, before every write):
- an organisation's members (signed in with two factors) see its other members;
- only its admins invite, revoke invitations, change roles and deactivate members;
- objects of another organisation are answered with 404, a visible but forbidden action
  with PermissionDenied (403);
- every user manages their own API tokens and second factors; operators (the command line)
  create users and tokens for anyone.
"""

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied, require_model
from twinwise.core.errors import UserFacingError
from twinwise.core.reports import ImportReport
from twinwise.directory.models import Place
from twinwise.interchange.readers import decode_upload, read_members
from twinwise.partnerships.services import _Resolver

from . import emails
from .models import ApiToken, Invitation, Organisation, User
from .selectors import (
    active_admins,
    invitation_state,
    member_get,
    members_visible,
    secret_hash,
)

TOKEN_PREFIX = "tw_"  # noqa: S105 - a public prefix, not a secret
TOKEN_LENGTH = len(TOKEN_PREFIX) + 40
SHOWN_PREFIX = 11  # "tw_" and 8 characters: enough to recognise a token, useless to guess it
RECOVERY_CODES = 10
# A token's last use is written at most this often, so busy API clients don't write on every call.
LAST_USED_EVERY = timedelta(minutes=1)


def _require_operator(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_("Only operators may do this."))


def _require_org_admin(actor: Actor) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(_("Only an admin of your organisation may do this."))


# -- users (command line) -------------------------------------------------------------------


def check_new_password(password: str, *, username: str = "", email: str = "") -> None:
    """Raise UserFacingError (field "password") with the validators' own messages."""
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise UserFacingError(" ".join(exc.messages), field="password") from None


def check_new_username(username: str) -> None:
    """Raise UserFacingError (field "username") for an invalid or taken username."""
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise UserFacingError(
            _("%(name)r is not a valid username: use letters, digits and @ . + - _ only")
            % {"name": username},
            field="username",
        ) from None
    if len(username) > 150:
        raise UserFacingError(_("the username is longer than 150 characters"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise UserFacingError(
            _("a user called %(name)r already exists") % {"name": username}, field="username"
        )


def user_create(
    *,
    actor: Actor,
    username: str,
    email: str = "",
    password: str | None = None,
    organisation_slug: str | None = None,
    role: str = "",
    is_moderator: bool = False,
    is_staff: bool = False,
) -> User:
    """Create a member user, a moderator or an operator. Rule: operators only.

    A member user needs an organisation and the role officer or admin; moderators and
    operators belong to none. Without a password the account cannot sign in until one is set.
    """
    _require_operator(actor)
    organisation = None
    if organisation_slug:
        organisation = Organisation.objects.filter(slug=organisation_slug).first()
        if organisation is None:
            raise UserFacingError(
                _("no member organisation has the slug %(slug)r") % {"slug": organisation_slug},
                field="member",
            )
        if organisation.is_public_record:
            raise UserFacingError(
                _("%(slug)r is the public record and has no users") % {"slug": organisation_slug},
                field="member",
            )
        if role not in User.Role.values:
            raise UserFacingError(
                _("a member user needs --role officer or --role admin"), field="role"
            )
    elif role in User.Role.values:
        raise UserFacingError(
            _("--role %(role)s needs --member SLUG (the user's organisation)") % {"role": role},
            field="member",
        )
    elif not (is_moderator or is_staff):
        raise UserFacingError(
            _(
                "say who the user is: --member SLUG --role officer|admin, --role moderator or --staff"
            ),
            field="role",
        )
    check_new_username(username)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise UserFacingError(
                _("%(email)r is not an email address") % {"email": email}, field="email"
            ) from None
    if password is not None:
        check_new_password(password, username=username, email=email)
    user = User(
        username=username,
        email=email,
        organisation=organisation,
        role=role if organisation else "",
        is_moderator=is_moderator,
        is_staff=is_staff,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


# -- API tokens -----------------------------------------------------------------------------


def api_token_create(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the full secret, which is never stored.

    Rule: a user creates their own tokens; operators create tokens for anyone.
    """
    if not (actor.is_staff or (actor.user_id is not None and actor.user_id == user.pk)):
        raise PermissionDenied(_("You may only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise UserFacingError(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise UserFacingError(_("The name is longer than 100 characters."), field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)  # 30 bytes → 40 URL-safe characters
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:SHOWN_PREFIX], token_hash=secret_hash(raw)
    )
    return token, raw


def api_token_revoke(*, actor: Actor, pk: int) -> ApiToken:
    """Revoke one of the actor's own tokens (404 for anyone else's). Revoking twice is harmless."""
    token = ApiToken.objects.filter(pk=pk, user_id=actor.user_id).first()
    if token is None or actor.user_id is None:
        raise Http404("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def is_well_formed_token(raw: str) -> bool:
    """`tw_` and 40 URL-safe characters, nothing else."""
    if len(raw) != TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return False
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in raw[len(TOKEN_PREFIX) :])


def api_token_authenticate(raw: str) -> User | None:
    """The active user a Bearer token belongs to, or None (unknown, revoked, malformed).

    The secret is never compared directly: it is hashed and looked up by its hash, so the
    time taken does not depend on how much of a guess was right. The last use is recorded
    at most once a minute.
    """
    if not is_well_formed_token(raw):
        return None
    digest = secret_hash(raw)
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(token_hash=digest, revoked_at=None)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# -- second factors ---------------------------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (made once, so the QR code is stable)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a code from the app; returns new recovery codes, or None if wrong.

    Rule: a user sets up their own device. Any other authenticator app is removed, so
    one app and the recovery codes remain.
    """
    if device.user_id != user.pk or device.confirmed:
        raise Http404("No such device.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_digits(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_generate(user=user)


def recovery_codes_generate(*, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones and return them."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name="Recovery codes", defaults={"confirmed": True}
        )
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@dataclass(frozen=True)
class SecondFactorResult:
    device: object | None
    used_recovery_code: bool = False
    wait_until: object | None = None  # when throttled: the time the next try is allowed


def _digits(code: str) -> str:
    return "".join(code.split())


def second_factor_verify(*, user: User, code: str) -> SecondFactorResult:
    """Check a 6-digit code from the app or a recovery code against the user's devices.

    Six digits go to the app, anything else to the recovery codes, so a recovery code never
    counts as a failed app code (each device backs off on its own failures).
    """
    code = _digits(code)
    is_app_code = len(code) == 6 and code.isdigit()
    model = TOTPDevice if is_app_code else StaticDevice
    token = code if is_app_code else code.lower().replace("-", "")
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, info = device.verify_is_allowed()
            if not allowed:
                return SecondFactorResult(None, wait_until=(info or {}).get("locked_until"))
            if device.verify_token(token):
                return SecondFactorResult(device, used_recovery_code=not is_app_code)
    return SecondFactorResult(None)


def second_factor_reset(*, actor: Actor, user: User) -> None:
    """Remove a user's app and recovery codes (a lost phone); they set up new ones at sign-in.

    Rule: operators only (the command line).
    """
    _require_operator(actor)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# -- invitations ---------------------------------------------------------------------------------


def invitation_create(
    *, actor: Actor, email: str, role: str, link: Callable[[str], str]
) -> Invitation:
    """Invite `email` to the actor's organisation and email them a single-use link.

    Rule: admins of the organisation only. An earlier pending invitation to the same
    address is revoked, so only the newest link works. `link(token)` makes the absolute URL.
    """
    _require_org_admin(actor)
    email = email.strip()
    if role not in User.Role.values:
        raise UserFacingError(_("Choose officer or admin."), field="role")
    if members_visible(actor).filter(email__iexact=email, is_active=True).exists():
        raise UserFacingError(
            _("Someone with this email address is already a member of your organisation."),
            field="email",
        )
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            organisation_id=actor.organisation_id,
            email__iexact=email,
            accepted_at=None,
            revoked_at=None,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation_id=actor.organisation_id,
            email=email,
            role=role,
            token_hash=secret_hash(raw),
            invited_by_id=actor.user_id,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
        )
        url = link(raw)
        transaction.on_commit(lambda: emails.send_invitation(invitation, url))
    return invitation


def invitation_revoke(*, actor: Actor, pk: int) -> Invitation:
    """Withdraw a pending invitation. Rule: admins of its organisation (404 for others)."""
    invitation = Invitation.objects.filter(pk=pk, organisation_id=actor.organisation_id).first()
    if invitation is None or actor.organisation_id is None:
        raise Http404("No such invitation.")
    _require_org_admin(actor)
    if invitation_state(invitation) != "pending":
        raise UserFacingError(
            _("This invitation can no longer be used, so there is nothing to revoke.")
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


class InvitationUnusable(UserFacingError):
    """The link was used, revoked or has expired (`state` says which)."""

    def __init__(self, state: str):
        super().__init__(
            _("This invitation link can no longer be used (%(state)s).") % {"state": state}
        )
        self.state = state


def _locked_invitation(raw_token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=secret_hash(raw_token))
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    state = invitation_state(invitation)
    if state != "pending":
        raise InvitationUnusable(state)
    return invitation


def _accept(invitation: Invitation, user: User) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])


def invitation_accept_new(*, token: str, username: str, password: str) -> User:
    """Accept an invitation by creating an account (the invited email, the chosen password).

    The link is the proof: it works once and only until it expires.
    """
    with transaction.atomic():
        invitation = _locked_invitation(token)
        check_new_username(username)
        check_new_password(password, username=username, email=invitation.email)
        user = User(
            username=username,
            email=invitation.email,
            organisation=invitation.organisation,
            role=invitation.role,
        )
        user.set_password(password)
        user.save()
        _accept(invitation, user)
    return user


def invitation_accept_existing(*, token: str, user: User) -> User:
    """Accept an invitation with the signed-in account, which must belong to no organisation."""
    with transaction.atomic():
        invitation = _locked_invitation(token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise PermissionDenied(_("This account has been deactivated."))
        if user.organisation_id is not None:
            raise UserFacingError(
                _(
                    "You already belong to an organisation. Leave it first, then open the link again."
                ),
                field="invitation",
            )
        user.organisation = invitation.organisation
        user.role = invitation.role
        user.save(update_fields=["organisation", "role"])
        _accept(invitation, user)
    return user


# -- members -----------------------------------------------------------------------------------


def _is_last_admin(user: User) -> bool:
    return (
        user.role == User.Role.ADMIN
        and not active_admins(user.organisation_id).exclude(pk=user.pk).exists()
    )


def member_set_role(*, actor: Actor, pk: int, role: str) -> User:
    """Make a member an officer or an admin. Rule: admins of the same organisation; an
    organisation always keeps at least one active admin."""
    member = member_get(actor=actor, pk=pk)
    _require_org_admin(actor)
    if role not in User.Role.values:
        raise UserFacingError(_("Choose officer or admin."), field="role")
    if role != member.role and role == User.Role.OFFICER and _is_last_admin(member):
        raise UserFacingError(
            _("Your organisation needs at least one admin. Make someone else an admin first."),
            field="role",
        )
    member.role = role
    member.save(update_fields=["role"])
    return member


def member_deactivate(*, actor: Actor, pk: int) -> User:
    """Switch off a member's account: they are signed out and their API tokens stop working.

    Rule: admins of the same organisation, for anyone but themselves (to go, one leaves).
    Their records stay with the organisation.
    """
    member = member_get(actor=actor, pk=pk)
    _require_org_admin(actor)
    if member.pk == actor.user_id:
        raise UserFacingError(
            _("You cannot deactivate your own account here. To go, leave the organisation.")
        )
    with transaction.atomic():
        member.is_active = False
        member.save(update_fields=["is_active"])
        # Sessions of an inactive user are refused by the auth backend on their next
        # request; tokens are revoked so that reactivating the account does not revive them.
        ApiToken.objects.filter(user=member, revoked_at=None).update(revoked_at=timezone.now())
    return member


def member_reactivate(*, actor: Actor, pk: int) -> User:
    """Let a deactivated member sign in again (their old API tokens stay revoked).

    Rule: admins of the same organisation.
    """
    member = member_get(actor=actor, pk=pk)
    _require_org_admin(actor)
    if not member.is_active:
        member.is_active = True
        member.save(update_fields=["is_active"])
    return member


def organisation_leave(*, user: User) -> User:
    """The user leaves their organisation (and loses member sight). Not the last admin."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.organisation_id is None:
            raise UserFacingError(_("You do not belong to an organisation."))
        if _is_last_admin(user):
            raise UserFacingError(
                _("You are the only admin of your organisation. Make someone else an admin first.")
            )
        user.organisation = None
        user.role = ""
        user.save(update_fields=["organisation", "role"])
    return user


# -- import members -------------------------------------------------------------------------------


MembersReport = ImportReport


def _member_values(resolver: _Resolver, line: int, record: dict) -> dict:
    place_id = resolver.place(record["place"], line=line, prefix="place")
    values = {
        "name": record["name"].strip(),
        "place_id": place_id,
        "country_id": record["place"]["country"],
    }
    if "population" in record:
        values["population"] = record["population"]
    if "verified" in record:
        values["verified"] = record["verified"]
    return values


def members_import(
    *, actor: Actor, records: list[tuple[int, dict]], create_places: bool = False
) -> MembersReport:
    """Create or update member organisations from validated records, all or nothing.

    Rule: operators only (accounts.organisation/import). Idempotent by slug; a field left
    out of the file keeps its stored value (a new organisation takes its city's population
    and starts unverified).
    """
    require_model(actor, Organisation, "import")
    report = MembersReport()
    with transaction.atomic():
        resolver = _Resolver(create_places=create_places)
        existing = {
            o.slug: o
            for o in Organisation.objects.filter(slug__in=[r["slug"] for _l, r in records])
        }
        for line, record in records:
            values = _member_values(resolver, line, record)
            current = existing.get(record["slug"])
            if current is None:
                values.setdefault(
                    "population",
                    Place.objects.filter(pk=values["place_id"]).values_list(
                        "population", flat=True
                    )[0]
                    or 0,
                )
                Organisation.objects.create(slug=record["slug"], **values)
                report.created += 1
            elif current.is_public_record:
                raise UserFacingError(
                    _("%(slug)r is the public record, which an import cannot change")
                    % {"slug": record["slug"]},
                    line=line,
                    field="slug",
                )
            elif any(getattr(current, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(current, k, v)
                current.save()
                report.updated += 1
            else:
                report.unchanged += 1
        report.places_created = resolver.places_created
    return report


def members_import_file(
    *, actor: Actor, name: str, data: bytes, create_places: bool = False
) -> MembersReport:
    """Validate the whole members file (JSON list), then write it in one transaction."""
    require_model(actor, Organisation, "import")
    records = read_members(decode_upload(data, name=name))
    return members_import(actor=actor, records=records, create_places=create_places)
