"""Reads of saved agreement reviews, always through the access policy, and draft comparison."""

import re

from django.db.models import Count, Max

from twinwise.access.actors import Actor
from twinwise.access.policy import can, get_for, visible
from twinwise.partnerships.models import Partnership

from .models import AgreementDraft, AgreementReview


def review_list(*, actor: Actor):
    """The reviews `actor` may see, newest first, with their number of drafts."""
    qs = AgreementReview.objects.select_related("organisation", "author", "partnership")
    return visible(actor, qs).annotate(
        draft_count=Count("drafts"), last_draft=Max("drafts__number")
    )


def review_get(*, actor: Actor, pk: int) -> AgreementReview:
    qs = AgreementReview.objects.select_related("organisation", "author", "partnership")
    return get_for(actor, qs, pk=pk)


def review_permissions(*, actor: Actor, review: AgreementReview) -> dict[str, bool]:
    return {"edit": can(actor, "edit", review), "delete": can(actor, "delete", review)}


def drafts_of(*, actor: Actor, review: AgreementReview) -> list[AgreementDraft]:
    return list(visible(actor, AgreementDraft.objects.filter(review=review)).order_by("number"))


def draft_get(*, actor: Actor, review: AgreementReview, number: int) -> AgreementDraft:
    return get_for(actor, AgreementDraft.objects.filter(review=review), number=number)


def partnership_choices(*, actor: Actor, limit: int = 200):
    """Partnerships of the actor's own city that the actor may see (to attach a review to)."""
    from twinwise.accounts.models import Organisation

    if actor.organisation_id is None:
        return []
    place_id = (
        Organisation.objects.filter(pk=actor.organisation_id)
        .values_list("place_id", flat=True)
        .first()
    )
    qs = visible(
        actor, Partnership.objects.select_related("local", "counterpart", "counterpart_org")
    )
    return list(qs.filter(local_id=place_id).order_by("pk")[:limit])


# -- comparing drafts ------------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _findings(report: dict) -> list[dict]:
    return [
        {**finding, "ref": clause["ref"], "clause_index": clause["index"]}
        for clause in report["clauses"]
        for finding in clause["findings"]
    ]


def compare_reports(old: dict, new: dict) -> dict[str, list[dict]]:
    """Which findings of `old` were resolved, which remain in `new`, which are new.

    A finding of the new draft is the same as one of the old when the category agrees and
    either the evidence wording or the clause reference does (clauses are often renumbered,
    and wording often changes slightly while the risk stays).
    """
    old_findings = _findings(old)
    unmatched = list(range(len(old_findings)))
    remaining, added = [], []
    for finding in _findings(new):
        match = None
        for strict in (True, False):
            for i in unmatched:
                candidate = old_findings[i]
                if candidate["category"] != finding["category"]:
                    continue
                same_words = _words(candidate["evidence"]) == _words(finding["evidence"])
                if same_words or (not strict and candidate["ref"] == finding["ref"]):
                    match = i
                    break
            if match is not None:
                break
        if match is None:
            added.append(finding)
        else:
            unmatched.remove(match)
            remaining.append({**finding, "before": old_findings[match]})
    resolved = [old_findings[i] for i in unmatched]
    return {"resolved": resolved, "remaining": remaining, "new": added}
