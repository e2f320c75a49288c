"""Writes of saved agreement reviews. Each checks the access policy first and runs in one
transaction; the document is checked before anything is written, so a document the
checker cannot read leaves nothing behind."""

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import get_for, require, require_model
from twinwise.core import versioning
from twinwise.core.errors import UserFacingError
from twinwise.partnerships.models import Partnership

from .extraction import Extracted
from .models import REVIEW_TLP_LEVELS, AgreementDraft, AgreementReview
from .report import check_or_refuse

TITLE_MAX = 200


def _clean(*, actor: Actor, title: str, tlp: str, partnership_id: int | None):
    title = " ".join((title or "").split())
    if not title:
        raise UserFacingError(_("Give the review a title."), field="title")
    if len(title) > TITLE_MAX:
        raise UserFacingError(
            _("The title is longer than %(n)d characters.") % {"n": TITLE_MAX}, field="title"
        )
    if tlp not in REVIEW_TLP_LEVELS:
        raise UserFacingError(
            _("Choose a sharing level: %(levels)s.") % {"levels": ", ".join(REVIEW_TLP_LEVELS)},
            field="tlp",
        )
    partnership = None
    if partnership_id is not None:
        try:
            partnership = get_for(actor, Partnership.objects.all(), pk=partnership_id)
        except Http404:  # an invisible partnership is the same as none
            raise UserFacingError(_("There is no such partnership."), field="partnership") from None
    return title, partnership


def _draft(review: AgreementReview, number: int, actor: Actor, document: Extracted, lang):
    result = check_or_refuse(document, lang=lang)
    return AgreementDraft(
        review=review,
        number=number,
        name=document.name[:255] or "document",
        sha256=document.sha256,
        language=result.report["document"]["language"],
        text=document.text,
        report=result.report,
        author_id=actor.user_id,
    )


def review_create(
    *,
    actor: Actor,
    title: str,
    tlp: str,
    document: Extracted,
    partnership_id: int | None = None,
    lang: str | None = None,
) -> AgreementReview:
    """Save a new review of `document` (its first draft) for the actor's organisation."""
    require_model(actor, AgreementReview, "create")
    title, partnership = _clean(actor=actor, title=title, tlp=tlp, partnership_id=partnership_id)
    draft = _draft(AgreementReview(), 1, actor, document, lang)  # checks before any write
    with transaction.atomic():
        review = AgreementReview.objects.create(
            organisation_id=actor.organisation_id,
            author_id=actor.user_id,
            title=title,
            tlp=tlp,
            partnership=partnership,
        )
        draft.review = review
        draft.save()
        versioning.bump("agreements")
    return review


def draft_add(
    *, actor: Actor, review: AgreementReview, document: Extracted, lang: str | None = None
) -> AgreementDraft:
    """Add the next draft of a review (to compare it with the previous one)."""
    require(actor, "edit", review)
    draft = _draft(review, 0, actor, document, lang)
    with transaction.atomic():
        # Lock the review so two uploads at once do not take the same number.
        AgreementReview.objects.select_for_update().filter(pk=review.pk).first()
        last = review.drafts.aggregate(n=Max("number"))["n"] or 0
        draft.number = last + 1
        draft.save()
        AgreementReview.objects.filter(pk=review.pk).update(updated_at=draft.created_at)
        versioning.bump("agreements")
    return draft


def review_update(
    *, actor: Actor, review: AgreementReview, title: str, tlp: str, partnership_id: int | None
) -> AgreementReview:
    require(actor, "edit", review)
    title, partnership = _clean(actor=actor, title=title, tlp=tlp, partnership_id=partnership_id)
    with transaction.atomic():
        review.title, review.tlp, review.partnership = title, tlp, partnership
        review.save(update_fields=["title", "tlp", "partnership", "updated_at"])
        versioning.bump("agreements")
    return review


def review_delete(*, actor: Actor, review: AgreementReview) -> None:
    require(actor, "delete", review)
    with transaction.atomic():
        review.delete()
        versioning.bump("agreements")
