"""Member organisations and the people who sign in.

A member organisation is a city's international-affairs office. Users belong to at most one
organisation as an officer or an admin; network moderators and operators (staff) may belong
to none. A custom user model from the start (ADR 0006).
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.core.models import TimeStampedModel
from twinwise.directory.models import Country, Place


class Organisation(TimeStampedModel):
    """A member of the network (or the 'public record' pseudo-member for published facts)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    # Empty only for the public-record pseudo-member, which stands for no city.
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    # Inhabitants of the city the office serves; used for anonymous "a city of 100k–500k".
    population = models.PositiveBigIntegerField(default=0)
    verified = models.BooleanField(default=False)
    is_public_record = models.BooleanField(
        default=False, help_text=_("Holds documented public cases; has no users.")
    )
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person with an account."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer")
        ADMIN = "admin", _("Organisation admin")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    # Network moderators review green and clear reports before they are published.
    is_moderator = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=True, role="")
                | models.Q(organisation__isnull=False, role__in=["officer", "admin"]),
                name="user_role_iff_organisation",
            )
        ]

    @property
    def is_org_admin(self) -> bool:
        return self.organisation_id is not None and self.role == self.Role.ADMIN


class Invitation(TimeStampedModel):
    """An emailed, expiring invitation to join an organisation. Only the token's hash is kept."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=User.Role.choices, default=User.Role.OFFICER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ApiToken(TimeStampedModel):
    """A personal API token (`Authorization: Bearer …`). Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text=_("The first characters, to recognise it."))
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
