"""Reads of experience reports, all through the access policy.

`case_present` is the one place where a case becomes what a viewer may read: the HTML pages,
the API, exports and emails all use it, so an anonymous report is redacted the same way
everywhere.
"""

import csv
from functools import cache
from importlib import resources

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.access.policy import can, get_for, visible
from twinwise.accounts.models import Organisation

from .models import Case, CaseAttachment, CaseComment, CaseRevision

AUDITED_LEVELS = ("red", "amber", "amber-strict")
POPULATION_BANDS = (
    (20_000, "fewer than 20k"),
    (100_000, "20k–100k"),
    (500_000, "100k–500k"),
    (1_000_000, "500k–1M"),
)


def case_queryset(*, actor: Actor, action: str = "view") -> QuerySet[Case]:
    """Every case `actor` may `action`, with what lists and pages need joined in."""
    return visible(actor, Case.objects.all(), action).select_related(
        "organisation__country", "organisation__place", "author", "counterpart", "partnership"
    )


def case_get(*, actor: Actor, pk: int, audit_read: bool = True) -> Case:
    """One case or 404. Reads of red and amber cases are written to the audit log."""
    case = get_for(actor, case_queryset(actor=actor), pk=pk)
    if audit_read and case.tlp in AUDITED_LEVELS:
        from .services import audit

        audit(actor, case, "read")
    return case


def case_get_by_ref(*, actor: Actor, ref: str) -> Case:
    """A case by id or external_id (for the command line), or 404."""
    lookup = {"pk": int(ref)} if ref.isascii() and ref.isdigit() else {"external_id": ref}
    return get_for(actor, case_queryset(actor=actor), **lookup)


def comments_for(*, actor: Actor, case: Case) -> QuerySet[CaseComment]:
    return visible(actor, CaseComment.objects.filter(case=case)).select_related(
        "author", "organisation"
    )


def attachments_for(*, actor: Actor, case: Case) -> QuerySet[CaseAttachment]:
    return visible(actor, CaseAttachment.objects.filter(case=case))


def revisions_for(*, actor: Actor, case: Case) -> QuerySet[CaseRevision]:
    return visible(actor, CaseRevision.objects.filter(case=case)).select_related("author")


def audit_events(*, actor: Actor) -> QuerySet[AuditEvent]:
    """The audit trail of the actor's organisation (admins only; empty for everyone else)."""
    return visible(actor, AuditEvent.objects.all()).select_related("user", "actor_organisation")


@cache
def _subregions() -> dict[str, str]:
    with (resources.files("twinwise") / "data" / "subregions.csv").open(encoding="utf-8") as handle:
        return {row["iso2"]: row["subregion"] for row in csv.DictReader(handle)}


def population_band(population: int) -> str:
    for limit, label in POPULATION_BANDS:
        if population < limit:
            return label
    return "more than 1M"


def generalised_reporter(organisation: Organisation) -> str:
    """'a city of 100k–500k inhabitants in Central Europe' — never the city itself."""
    population = organisation.population or (
        organisation.place.population if organisation.place_id else 0
    )
    country = organisation.country
    area = _subregions().get(organisation.country_id) or (
        country.get_region_display() if country else _("the network")
    )
    if not population:
        return _("a city in %(area)s") % {"area": area}
    return _("a city of %(band)s inhabitants in %(area)s") % {
        "band": population_band(population),
        "area": area,
    }


def _reporter_visible_ids(actor: Actor, cases: list[Case]) -> set[int]:
    """Which of `cases` show their reporter to `actor` (access rule cases.case/see_reporter)."""
    ids = [c.pk for c in cases]
    return set(
        visible(actor, Case.objects.filter(pk__in=ids), "see_reporter").values_list("pk", flat=True)
    )


def _reporter(case: Case, reveal: bool, *, show_people: bool) -> dict:
    org = case.organisation
    if org.is_public_record:
        return {
            "label": _("Public record"),
            "organisation": None,
            "author": None,
            "generalised": False,
        }
    if reveal:
        # Names of members' officers are for members; visitors see the organisation only.
        author = (
            (case.author.get_full_name() or case.author.get_username())
            if case.author and show_people
            else None
        )
        return {
            "label": org.name,
            "organisation": {"slug": org.slug, "name": org.name, "country": org.country_id},
            "author": author,
            "generalised": False,
        }
    return {
        "label": generalised_reporter(org),
        "organisation": None,
        "author": None,
        "generalised": True,
    }


def case_present_many(
    *, actor: Actor, cases: list[Case], with_permissions: bool = False
) -> list[dict]:
    """What `actor` may read of each case, as plain data (HTML, JSON, exports and emails).

    The reporter of an anonymous case is generalised for everyone outside its organisation;
    this is the only place that decides how.
    """
    cases = list(cases)
    reveal = _reporter_visible_ids(actor, cases)
    out = []
    for case in cases:
        item = {
            "id": case.pk,
            "external_id": case.external_id,
            "title": case.title,
            "occurred_on": case.occurred_on,
            "counterpart": (
                {"kind": case.counterpart_kind, "name": case.counterpart_name}
                if case.counterpart_name
                else None
            ),
            "case_type": case.case_type,
            "topics": list(case.topics or []),
            "channel": case.channel,
            "summary": case.summary,
            "demand": case.demand,
            "response": case.response,
            "response_type": case.response_type,
            "outcome": case.outcome,
            "lessons": case.lessons,
            "language": case.language,
            "tlp": case.tlp,
            "anonymous": case.anonymous,
            "state": case.state,
            "reporter": _reporter(case, case.pk in reveal, show_people=actor.is_member),
            "partnership": case.partnership_id,
            "sources": list(case.sources or []),
            "confidence": case.confidence,
        }
        if with_permissions:
            item["can"] = {
                a: can(actor, a, case) for a in ("edit", "withdraw", "comment", "moderate", "audit")
            }
        out.append(item)
    return out


def case_present(*, actor: Actor, case: Case) -> dict:
    """One case as `actor` may read it, with what they may do with it."""
    return case_present_many(actor=actor, cases=[case], with_permissions=True)[0]


def case_list_prefetched(qs: QuerySet[Case], *, actor: Actor) -> QuerySet[Case]:
    """A list queryset with visible comments counted without N+1 (for list pages)."""
    return qs.prefetch_related(
        Prefetch("comments", queryset=visible(actor, CaseComment.objects.all()))
    )


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def comments_present(
    *, actor: Actor, case: Case, reporter_generalised: bool | None = None
) -> list[dict]:
    """The comments `actor` may read, each signed as this reader may know its author.

    The reporting office's own comments on an anonymous report would give it away, so they
    are signed "the reporting office"; people outside the network never see members' names.
    Pages, the API and exports all use this.
    """
    if reporter_generalised is None:
        reporter_generalised = case.pk not in _reporter_visible_ids(actor, [case])
    out = []
    for comment in comments_for(actor=actor, case=case):
        if comment.organisation_id == case.organisation_id and reporter_generalised:
            who, office = _("The reporting office"), ""
        elif actor.organisation_id is None:
            who, office = _("A member of the network"), ""
        else:
            who = person_name(comment.author) if comment.author else _("A former member")
            office = comment.organisation.name
        out.append(
            {"who": who, "office": office, "created_at": comment.created_at, "body": comment.body}
        )
    return out
