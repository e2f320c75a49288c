"""Account pages: sign in and out, the second factor, API tokens, the organisation's members
and invitations. Views parse, call a selector or service, render; the services decide."""

from base64 import b32encode
from functools import wraps
from urllib.parse import urlencode

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from twinwise.access.actors import actor_for
from twinwise.access.policy import PermissionDenied
from twinwise.core.errors import UserFacingError

from . import selectors, services
from .decorators import is_verified, member_required, second_factor_url
from .forms import (
    AcceptInvitationForm,
    InviteForm,
    RoleForm,
    SetupCodeForm,
    SignInForm,
    TokenForm,
    VerifyCodeForm,
)

NEW_RECOVERY_CODES = "accounts:new_recovery_codes"
NEW_TOKEN = "accounts:new_token"  # noqa: S105 - a session key name


def _next_url(request, default: str = "/") -> str:
    """The `next` parameter when it points into this site, else `default`."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url and next_url != "/" else url


def forbidden_as_403(view):
    """Visible but not allowed (access.policy.PermissionDenied) → a calm 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "accounts/forbidden.html", {"reason": str(exc)}, status=403)

    return wrapper


# -- sign in and out ------------------------------------------------------------------------


class SignInView(LoginView):
    """Password first (Django's view and form, throttled by django-axes), then the second factor."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm

    def get_success_url(self) -> str:
        return second_factor_url(self.request, super().get_success_url())


def account_locked(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): when to try again, status 429."""
    cool_off = get_cool_off(request)
    since = getattr(request, "axes_attempt_time", None) or timezone.now()
    context = {"retry_at": since + cool_off if cool_off else None, "cool_off": cool_off}
    return render(request, "accounts/locked_out.html", context, status=429)


def sign_out(request):
    """GET asks, POST signs out (a link cannot sign anyone out)."""
    if request.method == "POST":
        auth_logout(request)
        return redirect("/")
    return render(request, "accounts/sign_out.html", {})


# -- the second factor ----------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    """The otpauth:// link as an inline SVG QR code, made on the server (no script needed)."""
    return segno.make(url, error="m").svg_inline(
        scale=5,
        border=4,
        dark="#0b0c0c",
        light="#ffffff",
        omitsize=True,
        svgclass="qr__svg",
        title=_("QR code for your authenticator app"),
    )


@login_required
def otp_setup(request):
    """Set up an authenticator app: scan, confirm with a code, then see the recovery codes.

    Only a user with no second factor yet, or one already verified in this session, may
    set up an app — otherwise a stolen password would be enough to add one.
    """
    if selectors.has_second_factor(request.user) and not is_verified(request):
        return redirect(second_factor_url(request, _next_url(request)))
    device = services.totp_device_pending(user=request.user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_device_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()
            request.session[NEW_RECOVERY_CODES] = codes
            return redirect(_with_next(reverse("accounts:recovery_codes"), _next_url(request)))
        form.add_error(
            "code", _("That code is not right. Check the app and type the code it shows now.")
        )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "next": _next_url(request, ""),
        "replacing": is_verified(request),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
def otp_verify(request):
    """The second step of signing in: a code from the app, or a recovery code."""
    if not selectors.has_second_factor(request.user):
        return redirect(second_factor_url(request, _next_url(request)))
    if is_verified(request):
        return redirect(_next_url(request))
    form = VerifyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(user=request.user, code=form.cleaned_data["code"])
        if result.device is not None:
            otp_login(request, result.device)
            request.session.cycle_key()
            if result.used_recovery_code:
                return redirect(_with_next(reverse("accounts:recovery_codes"), _next_url(request)))
            return redirect(_next_url(request))
        form.add_error("code", _code_problem(result))
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request, "")}
    )


def _code_problem(result: services.SecondFactorResult) -> str:
    if result.wait_until is not None:
        seconds = max(1, int((result.wait_until - timezone.now()).total_seconds()) + 1)
        return _("Too many wrong codes. Wait %(n)d seconds, then try again.") % {"n": seconds}
    return _("That code is not right. Type the code the app shows now, or a recovery code.")


@member_required
def recovery_codes(request):
    """New recovery codes are shown once, right after they are made; later only how many are left."""
    if request.method == "POST":
        request.session[NEW_RECOVERY_CODES] = services.recovery_codes_generate(user=request.user)
        return redirect(_with_next(reverse("accounts:recovery_codes"), _next_url(request)))
    context = {
        "new_codes": request.session.pop(NEW_RECOVERY_CODES, None),
        "left": selectors.recovery_codes_left(request.user),
        "next": _next_url(request, ""),
    }
    return render(request, "accounts/recovery_codes.html", context)


# -- your account ----------------------------------------------------------------------------


@member_required
def account(request):
    user = request.user
    context = {
        "organisation": user.organisation,
        "has_authenticator": selectors.has_authenticator(user),
        "codes_left": selectors.recovery_codes_left(user),
        "token_count": selectors.api_tokens_of(user=user).filter(revoked_at=None).count(),
    }
    return render(request, "accounts/account.html", context)


@member_required
def leave(request):
    """Leave the organisation (GET explains, POST does it)."""
    if request.user.organisation_id is None:
        return redirect("accounts:account")
    error = None
    if request.method == "POST":
        try:
            services.organisation_leave(user=request.user)
        except UserFacingError as exc:
            error = exc.message
        else:
            messages.success(request, _("You have left your organisation."))
            return redirect("accounts:account")
    return render(request, "accounts/leave.html", {"error": error}, status=400 if error else 200)


# -- API tokens ------------------------------------------------------------------------------


@member_required
def tokens(request):
    """Your API tokens: list, create (the full token is shown once), revoke."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = actor_for(request)
        token, raw = services.api_token_create(
            actor=actor, user=request.user, name=form.cleaned_data["name"]
        )
        request.session[NEW_TOKEN] = {"id": token.pk, "raw": raw}
        return redirect("accounts:tokens")
    new = request.session.pop(NEW_TOKEN, None)
    context = {
        "form": form,
        "tokens": selectors.api_tokens_of(user=request.user),
        "new_token": new,
        "api_url": "/api/v1/",
    }
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@member_required
def token_revoke(request, pk: int):
    token = services.api_token_revoke(actor=actor_for(request), pk=pk)
    messages.success(
        request, _("The token “%(name)s” is revoked. It no longer works.") % {"name": token.name}
    )
    return redirect("accounts:tokens")


# -- the organisation's members --------------------------------------------------------------


@member_required
def members(request):
    actor = actor_for(request)
    organisation = selectors.organisation_of(actor=actor)
    if organisation is None:
        return render(request, "accounts/no_organisation.html", {}, status=404)
    context = {
        "organisation": organisation,
        "members": selectors.member_list(actor=actor),
        "invitations": selectors.invitations_pending(actor=actor),
        "is_admin": actor.is_org_admin,
    }
    return render(request, "accounts/members.html", context)


@member_required
@forbidden_as_403
def member_detail(request, pk: int):
    """One colleague: change their role or deactivate them (admins)."""
    actor = actor_for(request)
    member = selectors.member_get(actor=actor, pk=pk)
    if not actor.is_org_admin:
        raise PermissionDenied(_("Only an admin of your organisation may change a member's role."))
    form = RoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_set_role(actor=actor, pk=pk, role=form.cleaned_data["role"])
        except UserFacingError as exc:
            form.add_error("role", exc.message)
        else:
            messages.success(
                request,
                _("%(name)s’s role is now: %(role)s.")
                % {"name": _display(member), "role": member.get_role_display()},
            )
            return redirect("accounts:members")
    context = {"member": member, "form": form, "is_self": member.pk == actor.user_id}
    return render(
        request, "accounts/member_detail.html", context, status=400 if form.errors else 200
    )


def _display(user) -> str:
    return user.get_full_name() or user.get_username()


@require_POST
@member_required
@forbidden_as_403
def member_deactivate(request, pk: int):
    actor = actor_for(request)
    try:
        member = services.member_deactivate(actor=actor, pk=pk)
    except UserFacingError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:member", pk=pk)
    messages.success(
        request,
        _("%(name)s’s account is deactivated: they are signed out and cannot sign in.")
        % {"name": _display(member)},
    )
    return redirect("accounts:members")


@require_POST
@member_required
@forbidden_as_403
def member_reactivate(request, pk: int):
    member = services.member_reactivate(actor=actor_for(request), pk=pk)
    messages.success(
        request,
        _("%(name)s can sign in again. Their old API tokens stay revoked.")
        % {"name": _display(member)},
    )
    return redirect("accounts:members")


@member_required
@forbidden_as_403
def invite(request):
    """Invite a colleague by email (admins)."""
    actor = actor_for(request)
    if not actor.is_org_admin:
        raise PermissionDenied(_("Only an admin of your organisation may invite colleagues."))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                link=lambda raw: request.build_absolute_uri(
                    reverse("accounts:invitation_accept", args=[raw])
                ),
            )
        except UserFacingError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(
                request,
                _("The invitation is on its way to %(email)s.") % {"email": invitation.email},
            )
            return redirect("accounts:members")
    context = {
        "form": form,
        "organisation": selectors.organisation_of(actor=actor),
        "invitation_days": settings.INVITATION_DAYS,
    }
    return render(request, "accounts/invite.html", context, status=400 if form.errors else 200)


@require_POST
@member_required
@forbidden_as_403
def invitation_revoke(request, pk: int):
    try:
        invitation = services.invitation_revoke(actor=actor_for(request), pk=pk)
    except UserFacingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
    return redirect("accounts:members")


# -- accepting an invitation -----------------------------------------------------------------


def invitation_accept(request, token: str):
    """The page the emailed link opens: create an account, or join with the signed-in one."""
    invitation = selectors.invitation_by_token(token)
    state = selectors.invitation_state(invitation) if invitation else "unknown"
    if state != "pending":
        return _invitation_unusable(request, state)
    if request.user.is_authenticated:
        return _accept_signed_in(request, token, invitation)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_new(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnusable as exc:
            return _invitation_unusable(request, exc.state)
        except UserFacingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(second_factor_url(request, reverse("accounts:members")))
    context = {
        "invitation": invitation,
        "form": form,
        "email_has_account": selectors.email_has_account(invitation.email),
    }
    return render(
        request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200
    )


def _accept_signed_in(request, token: str, invitation):
    """Join with the account already signed in (it must belong to no organisation)."""
    error = None
    if request.method == "POST":
        try:
            services.invitation_accept_existing(token=token, user=request.user)
        except services.InvitationUnusable as exc:
            return _invitation_unusable(request, exc.state)
        except (UserFacingError, PermissionDenied) as exc:
            error = getattr(exc, "message", str(exc))
        else:
            target = reverse("accounts:members")
            return redirect(target if is_verified(request) else second_factor_url(request, target))
    context = {"invitation": invitation, "signed_in_user": request.user, "error": error}
    return render(request, "accounts/invitation_accept.html", context, status=400 if error else 200)


def _invitation_unusable(request, state: str):
    status = 404 if state == "unknown" else 410
    return render(request, "accounts/invitation_unusable.html", {"state": state}, status=status)
