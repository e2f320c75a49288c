"""The directors' poll in the demo network: a closed 2025 campaign answered by every demo city
(so the trend has two years) and an open 2026 one, answered by some, drafted by one, awaited
from another. Everything goes through the real services. The answers are made up for the
demo; they describe no real city's views."""

import json
from dataclasses import dataclass

from django.db import transaction

from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import User

from .builtin import DIRECTORS_POLL, install_current
from .models import Campaign, Survey
from .services import (
    campaign_close,
    campaign_open,
    response_save,
    response_submit,
    responses_import,
)

# (year, anonymity, closed, {organisation slug: (answers, submitted)})
ANSWERS = {
    2025: (
        "identified",
        True,
        {
            "munich": {
                "motivations": ["investment-trade", "culture", "science-technology"],
                "relationship": "fair",
                "outlook": 3,
                "incidents": ["demand", "endorsement-request"],
                "has_international_office": "yes",
                "international_staff_fte": 9,
            },
            "lyon": {
                "motivations": ["culture", "academic", "investment-trade"],
                "relationship": "good",
                "outlook": 3,
                "incidents": ["complaint"],
                "has_international_office": "yes",
                "international_staff_fte": 6,
            },
            "gothenburg": {
                "motivations": ["investment-trade", "climate"],
                "relationship": "poor",
                "outlook": 2,
                "incidents": ["partnership-change", "demand"],
                "has_international_office": "yes",
                "international_staff_fte": 4.5,
            },
            "vienna": {
                "motivations": ["culture", "tourism", "general-bilateral"],
                "relationship": "good",
                "outlook": 4,
                "has_international_office": "yes",
                "international_staff_fte": 12,
            },
            "toronto": {
                "motivations": ["investment-trade", "tourism"],
                "relationship": "fair",
                "outlook": 3,
                "incidents": ["offer"],
                "has_international_office": "yes",
                "international_staff_fte": 7,
            },
        },
    ),
    2026: (
        "peers",
        False,
        {
            "munich": {
                "motivations": ["investment-trade", "culture"],
                "relationship": "fair",
                "outlook": 3,
                "incidents": ["demand"],
                "has_international_office": "yes",
                "international_staff_fte": 8.5,
            },
            "lyon": {
                "motivations": ["culture", "academic"],
                "relationship": "good",
                "outlook": 4,
                "has_international_office": "yes",
                "international_staff_fte": 6,
            },
            "gothenburg": {
                "motivations": ["climate", "investment-trade"],
                "relationship": "fair",
                "outlook": 3,
                "incidents": ["partnership-change"],
                "has_international_office": "yes",
                "international_staff_fte": 4,
            },
        },
    ),
}
# Vienna has a draft in 2026; Toronto has not started.
DRAFTS_2026 = {"vienna": {"relationship": "good", "motivations": ["culture", "tourism"]}}


@dataclass
class DemoPollReport:
    campaigns_created: int = 0
    responses_submitted: int = 0


def _member(slug: str) -> Actor:
    """The organisation's admin, else one of its officers."""
    people = User.objects.filter(organisation__slug=slug, is_active=True).order_by("role", "pk")
    return Actor.from_user(people.first(), strong=True)


@transaction.atomic
def demo_poll_create(*, actor: Actor, years: tuple[int, ...] = (2025, 2026)) -> DemoPollReport:
    """Create the demo campaigns that do not exist yet (idempotent). Operators only."""
    if not actor.is_staff:
        raise PermissionDenied("Only operators create the demo poll.")
    install_current()
    survey = Survey.objects.get(slug=DIRECTORS_POLL)
    report = DemoPollReport()
    for year in years:
        if Campaign.objects.filter(survey=survey, year=year).exists():
            continue
        anonymity, closed, answers = ANSWERS[year]
        campaign = campaign_open(actor=actor, survey=survey, year=year, anonymity=anonymity)
        report.campaigns_created += 1
        if closed:
            # Last year's poll came in by email; the coordinators imported it.
            lines = [
                json.dumps({"member": slug, "answers": given}) for slug, given in answers.items()
            ]
            imported = responses_import(
                actor=actor, survey_slug=DIRECTORS_POLL, data="\n".join(lines).encode(), year=year
            )
            report.responses_submitted += imported.total
        else:
            for slug, given in answers.items():
                response_submit(actor=_member(slug), campaign=campaign, answers=given)
                report.responses_submitted += 1
        if year == 2026:
            for slug, given in DRAFTS_2026.items():
                response_save(actor=_member(slug), campaign=campaign, answers=given)
        if closed:
            campaign_close(actor=actor, campaign=campaign)
    return report
