"""The emails accounts sends: plain text, translated, through Django's configured mailer."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Invitation


def send_invitation(invitation: Invitation, link: str) -> None:
    """Email the invited person the single-use link (the only place the secret appears)."""
    context = {
        "site_name": settings.SITE_NAME,
        "organisation": invitation.organisation.name,
        "inviter": _inviter_name(invitation),
        "role": invitation.get_role_display(),
        "link": link,
        "expires": formats.date_format(timezone.localtime(invitation.expires_at), "j F Y, H:i T"),
        "days": settings.INVITATION_DAYS,
    }
    subject = _("You are invited to join %(organisation)s on %(site)s") % {
        "organisation": invitation.organisation.name,
        "site": settings.SITE_NAME,
    }
    body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _inviter_name(invitation: Invitation) -> str:
    user = invitation.invited_by
    if user is None:
        return _("An admin of your organisation")
    return user.get_full_name() or user.get_username()
