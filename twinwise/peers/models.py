"""Peer learning between member organisations: introductions between offices that dealt with
the same thing, watches on what a person follows, in-app notifications and the email digest.

Who may see or do what is decided only in twinwise.access (rules for peers.*)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.accounts.models import Organisation
from twinwise.cases.models import Case
from twinwise.core.models import TimeStampedModel
from twinwise.directory.models import Counterpart
from twinwise.partnerships.models import Partnership


class IntroductionState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Introduction(TimeStampedModel):
    """One office asks another that dealt with the same thing to be put in touch.

    `target` is the organisation behind `case` (or named directly when the request starts
    from an organisation's non-anonymous reports). When `anonymous` is set the requester does
    not learn who `target` is until the request is accepted (the report's author decides).
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="introductions_asked"
    )
    requester_organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="introductions_asked"
    )
    target = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="introductions_received"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="introductions"
    )
    anonymous = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=IntroductionState.choices, default=IntroductionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="introductions_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The person the target side names as contact when accepting (exchanged on acceptance).
    target_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requester_organisation=models.F("target")),
                name="introduction_not_to_self",
            ),
            models.UniqueConstraint(
                fields=["requester_organisation", "target", "case"],
                condition=models.Q(state="pending"),
                name="introduction_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester_organisation_id} → {self.target_id} ({self.state})"


class WatchKind(models.TextChoices):
    COUNTERPART = "counterpart", _("Counterpart")
    TOPIC = "topic", _("Topic")
    PARTNERSHIP = "partnership", _("Partnership")
    CASE = "case", _("Report")


class Watch(TimeStampedModel):
    """A person follows a counterpart, a topic, a partnership or one report."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    kind = models.CharField(max_length=15, choices=WatchKind.choices)
    counterpart = models.ForeignKey(
        Counterpart, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    topic = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="counterpart", counterpart__isnull=False)
                    | models.Q(kind="partnership", partnership__isnull=False)
                    | models.Q(kind="case", case__isnull=False)
                    | (models.Q(kind="topic") & ~models.Q(topic=""))
                ),
                name="watch_has_its_target",
            ),
            *(
                models.UniqueConstraint(
                    fields=["user", target],
                    condition=models.Q(kind=target),
                    name=f"watch_unique_{target}",
                )
                for target in ("counterpart", "partnership", "case", "topic")
            ),
        ]
        indexes = [models.Index(fields=["counterpart"]), models.Index(fields=["topic"])]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.kind}"


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NEVER = "never", _("No email (notifications on the site only)")


class DigestSetting(models.Model):
    """How often a person gets the email digest of their notifications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_setting"
    )
    frequency = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency}"


class NotificationKind(models.TextChoices):
    CASE = "case", _("A new report about something you watch")
    COMMENT = "comment", _("A new comment on a report you watch")
    PATTERN = "pattern", _("Several cities report the same kind of case")
    INTRODUCTION_REQUESTED = "intro-requested", _("An introduction request")
    INTRODUCTION_ACCEPTED = "intro-accepted", _("An introduction accepted")
    INTRODUCTION_DECLINED = "intro-declined", _("An introduction declined")


class Notification(models.Model):
    """Something for one person to know. It holds references and counts, never copied text:
    pages and the digest present it through the access policy when it is read or sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    counterpart = models.ForeignKey(
        Counterpart, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Pattern signals: {"case_type": …, "organisations": n, "cases": m, "days": 90}.
    counts = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["user", "emailed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "case"],
                condition=models.Q(kind="case"),
                name="notification_case_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"
