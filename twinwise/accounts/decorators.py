"""`member_required`: pages that show more than the public registry need two factors."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import has_second_factor


def second_factor_url(request, next_url: str | None = None) -> str:
    """Where a password-only session goes next: enter a code, or set up the app first."""
    step = "accounts:otp_verify" if has_second_factor(request.user) else "accounts:otp_setup"
    url = reverse(step)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return url


def is_verified(request) -> bool:
    """Signed in with a password and a second factor in this session (django-otp)."""
    check = getattr(request.user, "is_verified", None)
    return bool(request.user.is_authenticated and check and check())


def member_required(view):
    """Signed in and verified with a second factor; else to sign-in or to the 2FA step."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request):
            return redirect(second_factor_url(request, request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
