"""Surveys: a questionnaire (sections, questions, options, their translations), campaigns that
open it for a year to member organisations, and the responses.

Anonymity is decided here, in the data model (ADR 0014): in a fully anonymous campaign a
submitted response is a row with no organisation, no person and no timestamp, and a random
id; the separate `Participation` row records only that an organisation took part. Nothing
stored links the two.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.accounts.models import Organisation
from twinwise.core.models import TimeStampedModel
from twinwise.directory.models import Country, Place


class Survey(TimeStampedModel):
    """A questionnaire. `builtin` ones (the directors' poll) ship with twinwise."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    builtin = models.BooleanField(default=False)
    # {"de": {"title": "…", "description": "…"}, …}
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    translations = models.JSONField(default=dict, blank=True)  # {"de": {"title": "…"}}

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="survey_section_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Free text")
    COUNTRY = "country", _("Country")
    CITY = "city", _("City")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class Question(models.Model):
    """One question; `key` is its stable id in imports, exports and the results JSON."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=1000, blank=True)
    required = models.BooleanField(default=False)
    # Bounds of number and scale answers (scale: both required, whole numbers).
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Labels of the ends of a scale: {"min": "Much worse", "max": "Much better"}.
    scale_labels = models.JSONField(default=dict, blank=True)
    translations = models.JSONField(default=dict, blank=True)  # {"de": {"text", "help_text"}}

    class Meta:
        ordering = ["section__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="survey_question_unique_key"),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="survey_question_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Option(models.Model):
    """An option of a single- or multiple-choice question; `value` is its stable id."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    value = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    translations = models.JSONField(default=dict, blank=True)  # {"de": "Kultur"}

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="survey_option_unique_value")
        ]

    def __str__(self) -> str:
        return self.value


class Anonymity(models.TextChoices):
    IDENTIFIED = "identified", _("Identified: members see which organisation answered what")
    PEERS = "peers", _("Anonymous to peers: only coordinators see who answered what")
    FULL = "full", _("Fully anonymous: no one can link an answer to an organisation")


class CampaignState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Campaign(TimeStampedModel):
    """A survey opened for one year, to every verified member or to named organisations."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="campaigns")
    year = models.PositiveSmallIntegerField()
    anonymity = models.CharField(max_length=10, choices=Anonymity.choices, default=Anonymity.PEERS)
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.OPEN
    )
    all_organisations = models.BooleanField(default=True)
    organisations = models.ManyToManyField(
        Organisation, through="CampaignOrganisation", related_name="survey_campaigns", blank=True
    )
    closes_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "survey__title"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "year"], name="survey_campaign_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug} {self.year}"

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN


class CampaignOrganisation(models.Model):
    """An organisation a campaign was opened to (when not all organisations)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invited")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"], name="survey_campaign_org_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.organisation_id}"


class ResponseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    """An organisation's answers, `{question key: value or list}`.

    Drafts always belong to an organisation. A submitted response of a fully anonymous
    campaign has no organisation, no person and no timestamps, and a random primary key, so
    neither its row nor its order gives away who sent it. The segment fields (country,
    region, population band) are copied at submission for breakdowns; cells with fewer than
    five respondents are never shown.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=ResponseState.choices, default=ResponseState.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True)
    country = models.ForeignKey(
        Country, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    region = models.CharField(max_length=20, blank=True)
    population_band = models.CharField(max_length=20, blank=True)
    # Only on responses linked to an organisation:
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="survey_response_one_per_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | models.Q(state="submitted"),
                name="survey_response_draft_has_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False)
                | models.Q(updated_at__isnull=True, updated_by__isnull=True),
                name="survey_response_anonymous_has_no_trace",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.state}"


class Participation(models.Model):
    """That an organisation submitted its response to a campaign (never which response)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"], name="survey_participation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.organisation_id}"


class CounterpartStaffing(TimeStampedModel):
    """What is known about a Chinese city's Foreign Affairs Office staff, with its source."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="fao_staffing")
    staff = models.PositiveIntegerField()
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=500)
    source_url = models.URLField(blank=True, max_length=500)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["place__name", "-year"]
        verbose_name_plural = "counterpart staffing"
