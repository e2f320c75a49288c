"""Experience reports ("cases"): what a counterpart asked or did, how the city answered,
how it ended. Sharing follows TLP 2.0 (core/taxonomy/tlp_levels.json); who may see what is
decided only in twinwise.access."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.accounts.models import Organisation
from twinwise.core.models import TimeStampedModel
from twinwise.directory.models import Counterpart
from twinwise.partnerships.models import Partnership


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for a moderator")
    RETURNED = "returned", _("Returned by a moderator")
    PUBLISHED = "published", _("Shared")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Case(TimeStampedModel):
    external_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    title = models.CharField(max_length=300)
    occurred_on = models.CharField(max_length=10, blank=True)
    occurred_year = models.PositiveSmallIntegerField(null=True, blank=True)
    counterpart = models.ForeignKey(
        Counterpart, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    counterpart_kind = models.CharField(max_length=30, blank=True)
    counterpart_name = models.CharField(max_length=300, blank=True)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    case_type = models.CharField(max_length=30, blank=True)
    topics = models.JSONField(default=list, blank=True)
    channel = models.CharField(max_length=30, blank=True)
    summary = models.TextField(blank=True)
    demand = models.TextField(blank=True)
    response = models.TextField(blank=True)
    response_type = models.CharField(max_length=30, blank=True)
    outcome = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    language = models.CharField(max_length=2, blank=True)
    tlp = models.CharField(max_length=15, default="amber-strict")
    anonymous = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(blank=True)
    # Public-record cases cite their sources and how sure they are (high, medium, low).
    sources = models.JSONField(default=list, blank=True)
    confidence = models.CharField(max_length=10, blank=True)
    recipient_organisations = models.ManyToManyField(
        Organisation,
        through="CaseRecipientOrganisation",
        related_name="cases_shared_with",
        blank=True,
    )
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseRecipientUser",
        related_name="cases_shared_with",
        blank=True,
    )

    class Meta:
        ordering = ["-occurred_year", "-id"]
        indexes = [
            models.Index(fields=["state", "tlp"]),
            models.Index(fields=["organisation", "state"]),
            models.Index(fields=["case_type"]),
            # The case index patches itself with the reports changed since it loaded.
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class CaseRecipientOrganisation(models.Model):
    """An organisation a TLP:AMBER case is shared with."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"], name="case_recipient_org_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.organisation_id}"


class CaseRecipientUser(models.Model):
    """A person a TLP:RED case is shared with."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_recipient_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → user {self.user_id}"


class CaseComment(TimeStampedModel):
    """ "We had the same letter": a comment; visible exactly when its case is."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]


class CaseAttachment(TimeStampedModel):
    """A file attached to a case, stored outside the web root, served through the access policy."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at", "id"]


class CaseRevision(models.Model):
    """One entry of a case's history: who changed what, with a snapshot of the fields."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    changed_fields = models.JSONField(default=list)
    snapshot = models.JSONField(default=dict)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"
