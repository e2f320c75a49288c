"""Saved agreement reviews: a document's drafts and their checks, owned by an organisation.

Checking keeps nothing; a review exists only when a member saves one. A draft stores the
extracted text and the check's report (not the uploaded file), so drafts can be shown,
printed and compared later with the checker of the day they were saved.
"""

from django.conf import settings
from django.db import models

from twinwise.accounts.models import Organisation
from twinwise.core.models import TimeStampedModel
from twinwise.partnerships.models import Partnership

# TLP levels a review may carry. TLP:AMBER needs named recipient organisations, which
# reviews do not have (yet): ADR 0012.
REVIEW_TLP_LEVELS = ("red", "amber-strict", "green", "clear")


class AgreementReview(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreement_reviews"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_reviews",
    )
    title = models.CharField(max_length=200)
    tlp = models.CharField(max_length=15, default="amber-strict")
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_reviews",
    )

    class Meta:
        ordering = ("-updated_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tlp__in=REVIEW_TLP_LEVELS), name="agreement_review_tlp_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgreementDraft(models.Model):
    review = models.ForeignKey(AgreementReview, on_delete=models.CASCADE, related_name="drafts")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    text = models.TextField()
    report = models.JSONField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("review", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("review", "number"), name="agreement_draft_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.review.title} — draft {self.number}"
