"""Partnerships between a local place and a counterpart, with their provenance."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.core.models import TimeStampedModel
from twinwise.directory.models import Counterpart, Place


class Partnership(TimeStampedModel):
    """A twinning, friendship tie, MoU or agreement, as documented by its sources.

    `status` is empty when no source says anything about the tie's state: the pages say
    "reported" for those rather than guessing "active".
    """

    external_id = models.CharField(max_length=200, unique=True)
    local = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="partnerships_as_local")
    # A city or province counterpart is a place; an organisation (a company, a university,
    # CPAFFC…) is a `counterpart_org`. At least one of the two is set.
    counterpart = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partnerships_as_counterpart",
    )
    counterpart_kind = models.CharField(max_length=30, default="city")
    counterpart_org = models.ForeignKey(
        Counterpart, on_delete=models.SET_NULL, null=True, blank=True, related_name="partnerships"
    )
    kind = models.CharField(max_length=40)
    domains = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, blank=True, default="")
    signed_on = models.CharField(max_length=10, blank=True)
    signed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_on = models.CharField(max_length=10, blank=True)
    ended_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    tlp = models.CharField(max_length=15, default="clear")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "tlp"]),
            models.Index(fields=["local", "counterpart"]),
            models.Index(fields=["counterpart"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(counterpart__isnull=False)
                | models.Q(counterpart_org__isnull=False),
                name="partnership_has_counterpart",
            )
        ]

    def __str__(self) -> str:
        return f"{self.local} – {self.counterpart_name}"

    @property
    def counterpart_name(self) -> str:
        return self.counterpart.name if self.counterpart_id else str(self.counterpart_org)

    @property
    def status_or_reported(self) -> str:
        return self.status or "reported"


class PartnershipSource(models.Model):
    """Where a fact about a partnership comes from: a data set row or a documented incident."""

    class Role(models.TextChoices):
        LISTING = "listing", _("Listed in")
        STATUS = "status", _("Status documented by")
        IMPORT = "import", _("Imported from")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="sources")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LISTING)
    dataset = models.CharField(max_length=50, blank=True)  # e.g. wikidata-2022, wikipedia-2026
    title = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    reference = models.CharField(max_length=200, blank=True)  # source row or incident id
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["role", "dataset", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "role", "dataset", "reference", "url"],
                name="partnership_source_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.dataset or self.url
