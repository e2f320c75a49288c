"""The rules themselves. Sharing levels follow TLP 2.0 (core/taxonomy/tlp_levels.json)."""

from typing import Protocol

import numpy as np
from django.db.models import Q

from .actors import Actor
from .policy import model_rule, rule


def partnership_levels(actor: Actor) -> frozenset[str]:
    """The sharing levels of partnerships `actor` may see.

    Partnerships carry a TLP level but no owner yet: the public registry holds TLP:CLEAR
    records, which everyone (anonymous visitors included) may see. Records at other levels
    stay invisible until member organisations exist to own them.
    """
    return frozenset({"clear"})


@rule("partnerships.partnership", "view")
def partnership_view(actor: Actor) -> Q:
    """Anyone sees TLP:CLEAR partnerships; nothing else is visible yet."""
    return Q(tlp__in=sorted(partnership_levels(actor)))


@rule("partnerships.partnershipsource", "view")
def partnership_source_view(actor: Actor) -> Q:
    """A source is visible exactly when its partnership is (children inherit)."""
    return Q(partnership__tlp__in=sorted(partnership_levels(actor)))


@model_rule("partnerships.partnership", "import")
def partnership_import(actor: Actor) -> bool:
    """Only operators (staff, or the command line run by one) import registry data."""
    return actor.is_staff


# -- experience reports (cases) --------------------------------------------------------
#
# TLP 2.0 as TAXONOMY.md defines it, for published cases:
#   red          the author, the recipient users the author names, the admins of the author's organisation
#   amber-strict the author's organisation
#   amber        the author's organisation and the recipient organisations
#   green        every verified member organisation (and the author's own)
#   clear        everyone
# Drafts are the author's alone. Cases waiting for moderation, returned or withdrawn stay
# with the author's organisation (red: author and admins). Moderators see green and clear
# cases waiting for them or returned by them — no red or amber content, ever.
# Everything beyond published TLP:CLEAR needs a member signed in with two factors
# (`Actor.organisation_id` is set only then), and an author's sight of their own cases
# goes with their organisation: someone who moved to another city no longer sees them.

PUBLISHED = "published"
DRAFT = "draft"
PENDING = "pending"
RETURNED = "returned"
SHARED_WITH_OWN_ORGANISATION = ("amber-strict", "amber", "green", "clear")


def _recipient_org_cases(org_id: int):
    from twinwise.cases.models import CaseRecipientOrganisation

    return CaseRecipientOrganisation.objects.filter(organisation_id=org_id).values("case_id")


def _recipient_user_cases(user_id: int):
    from twinwise.cases.models import CaseRecipientUser

    return CaseRecipientUser.objects.filter(user_id=user_id).values("case_id")


def case_levels_q(actor: Actor) -> Q:
    """The cases `actor` may read, as one Q (subqueries, so no duplicate rows)."""
    q = Q(tlp="clear", state=PUBLISHED)
    if actor.is_moderator:
        q |= Q(state__in=(PENDING, RETURNED), tlp__in=("green", "clear"))
    org = actor.organisation_id
    if org is None:
        return q
    not_draft = ~Q(state=DRAFT)
    q |= Q(state=DRAFT, author_id=actor.user_id, organisation_id=org)
    q |= Q(organisation_id=org, tlp__in=SHARED_WITH_OWN_ORGANISATION) & not_draft
    q |= Q(tlp="red", author_id=actor.user_id, organisation_id=org) & not_draft
    q |= Q(tlp="red", state=PUBLISHED, pk__in=_recipient_user_cases(actor.user_id))
    if actor.is_org_admin:
        q |= Q(tlp="red", organisation_id=org) & not_draft
    q |= Q(tlp="amber", state=PUBLISHED, pk__in=_recipient_org_cases(org))
    if actor.organisation_verified:
        q |= Q(tlp="green", state=PUBLISHED)
    return q


# The same rule over columns, for the in-memory case index (cases/index.py, ADR 0009): every
# branch of case_levels_q as one boolean operation over arrays. `tests/access/
# test_case_index.py` proves the two select the same cases for every persona. Change both
# together.
TLP_CODES = ("clear", "green", "amber", "amber-strict", "red")
STATE_CODES = ("draft", "pending", "returned", "published", "withdrawn")


class CaseColumns(Protocol):
    """What case_levels_mask reads: codes per case (positions 0..n-1) and recipient lookups."""

    n: int
    organisation: np.ndarray  # organisation id
    author: np.ndarray  # user id, 0 where none
    tlp: np.ndarray  # index into TLP_CODES
    state: np.ndarray  # index into STATE_CODES

    def shared_with_organisation(self, organisation_id: int) -> np.ndarray: ...
    def shared_with_user(self, user_id: int) -> np.ndarray: ...


def _codes(names: tuple[str, ...], *values: str) -> list[int]:
    return [names.index(v) for v in values]


def case_levels_mask(actor: Actor, cols: CaseColumns) -> np.ndarray:
    """case_levels_q(actor) as a boolean mask over `cols` (see the table above)."""
    tlp, state = cols.tlp, cols.state
    clear, green, amber, red = _codes(TLP_CODES, "clear", "green", "amber", "red")
    draft, published = _codes(STATE_CODES, DRAFT, PUBLISHED)
    is_published = state == published
    mask = is_published & (tlp == clear)
    if actor.is_moderator:
        waiting = np.isin(state, _codes(STATE_CODES, PENDING, RETURNED))
        mask |= waiting & np.isin(tlp, [clear, green])
    org = actor.organisation_id
    if org is None:
        return mask
    own = cols.organisation == org
    not_draft = state != draft
    # Q(author_id=None) is "author IS NULL" in SQL: 0 stands for no author in the columns.
    by_me = own & (cols.author == (actor.user_id or 0))
    mask |= by_me & (state == draft)
    mask |= own & (tlp <= TLP_CODES.index("amber-strict")) & not_draft
    mask |= by_me & (tlp == red) & not_draft
    if actor.user_id is not None:
        named = np.zeros(cols.n, bool)
        named[cols.shared_with_user(actor.user_id)] = True
        mask |= named & is_published & (tlp == red)
    if actor.is_org_admin:
        mask |= own & (tlp == red) & not_draft
    shared = np.zeros(cols.n, bool)
    shared[cols.shared_with_organisation(org)] = True
    mask |= shared & is_published & (tlp == amber)
    if actor.organisation_verified:
        mask |= is_published & (tlp == green)
    return mask


def reporter_shown_mask(actor: Actor, cols: CaseColumns, anonymous: np.ndarray) -> np.ndarray:
    """Within what `actor` sees, where case_see_reporter lets them know who reported."""
    shown = ~anonymous
    if actor.organisation_id is not None:
        shown = shown | (cols.organisation == actor.organisation_id)
    return shown


@rule("cases.case", "view")
def case_view(actor: Actor) -> Q:
    """TLP 2.0 sight of cases (see the table above)."""
    return case_levels_q(actor)


@rule("cases.case", "edit")
def case_edit(actor: Actor) -> Q:
    """Only the author edits, while the case is a draft or was returned by a moderator."""
    if actor.user_id is None or actor.organisation_id is None:
        return Q(pk__in=[])
    return Q(
        author_id=actor.user_id,
        organisation_id=actor.organisation_id,
        state__in=(DRAFT, "returned"),
    )


@rule("cases.case", "withdraw")
def case_withdraw(actor: Actor) -> Q:
    """The author, or an admin of the author's organisation, withdraws a submitted case."""
    if actor.organisation_id is None:
        return Q(pk__in=[])
    mine = Q(author_id=actor.user_id)
    if actor.is_org_admin:
        mine |= Q(organisation_id=actor.organisation_id)
    return mine & Q(
        organisation_id=actor.organisation_id, state__in=(PENDING, "returned", PUBLISHED)
    )


@rule("cases.case", "comment")
def case_comment(actor: Actor) -> Q:
    """Members comment on published cases they can see."""
    if actor.organisation_id is None:
        return Q(pk__in=[])
    return case_levels_q(actor) & Q(state=PUBLISHED)


@rule("cases.case", "moderate")
def case_moderate(actor: Actor) -> Q:
    """Moderators publish or return green and clear cases waiting for them."""
    if not actor.is_moderator:
        return Q(pk__in=[])
    return Q(state=PENDING, tlp__in=("green", "clear"))


@rule("cases.case", "see_reporter")
def case_see_reporter(actor: Actor) -> Q:
    """Who reported it: hidden for anonymous cases outside the author's organisation."""
    reporter_shown = Q(anonymous=False)
    if actor.organisation_id is not None:
        reporter_shown |= Q(organisation_id=actor.organisation_id)
    return case_levels_q(actor) & reporter_shown


@rule("cases.case", "audit")
def case_audit(actor: Actor) -> Q:
    """An organisation's admins read the audit trail of its cases."""
    if not actor.is_org_admin:
        return Q(pk__in=[])
    return Q(organisation_id=actor.organisation_id)


def _child_rule(prefix: str):
    def child(actor: Actor) -> Q:
        return Q(case__in=_case_subquery(case_levels_q(actor)))

    child.__doc__ = f"A {prefix} is visible exactly when its case is (children inherit)."
    return child


def _case_subquery(q: Q):
    from twinwise.cases.models import Case

    return Case.objects.filter(q).values("pk")


for _model in ("cases.casecomment", "cases.caseattachment", "cases.caserevision"):
    rule(_model, "view")(_child_rule(_model.split(".")[1]))


@model_rule("cases.case", "create")
def case_create(actor: Actor) -> bool:
    """Any member user (signed in with two factors) files cases for their organisation."""
    return actor.organisation_id is not None and actor.user_id is not None


@model_rule("cases.case", "import")
def case_import(actor: Actor) -> bool:
    """Operators import cases (they vouch for them; imported cases are published as they are)."""
    return actor.is_staff


@model_rule("accounts.organisation", "import")
def organisation_import(actor: Actor) -> bool:
    """Operators import member organisations."""
    return actor.is_staff


@rule("access.auditevent", "view")
def audit_event_view(actor: Actor) -> Q:
    """An organisation's admins read the audit events about its cases."""
    if not actor.is_org_admin:
        return Q(pk__in=[])
    return Q(owner_id=actor.organisation_id)


# -- members and invitations -----------------------------------------------------------


@rule("accounts.user", "view")
def member_view(actor: Actor) -> Q:
    """An organisation's members (signed in with two factors) see its members; no one else does."""
    if actor.organisation_id is None:
        return Q(pk__in=[])
    return Q(organisation_id=actor.organisation_id)


@rule("accounts.user", "manage")
def member_manage(actor: Actor) -> Q:
    """An organisation's admins change roles and deactivate its members."""
    if not actor.is_org_admin:
        return Q(pk__in=[])
    return Q(organisation_id=actor.organisation_id)


@rule("accounts.invitation", "view")
def invitation_view(actor: Actor) -> Q:
    """An organisation's admins see (and revoke) its invitations."""
    if not actor.is_org_admin:
        return Q(pk__in=[])
    return Q(organisation_id=actor.organisation_id)


# -- agreement reviews ------------------------------------------------------------------
#
# A saved review belongs to the author's organisation. TLP 2.0 as for cases, without
# TLP:AMBER (reviews name no recipients):
#   red          the author and the admins of the organisation
#   amber-strict the organisation
#   green        every verified member organisation (and the owner)
#   clear        everyone
# Only the owning organisation changes a review (adds drafts, relabels it); its author or
# an admin of the organisation deletes it. Drafts follow their review.

REVIEW_SHARED_WITH_OWN_ORGANISATION = ("amber-strict", "green", "clear")


def review_levels_q(actor: Actor) -> Q:
    """The agreement reviews `actor` may read, as one Q."""
    q = Q(tlp="clear")
    org = actor.organisation_id
    if org is None:
        return q
    q |= Q(organisation_id=org, tlp__in=REVIEW_SHARED_WITH_OWN_ORGANISATION)
    q |= Q(organisation_id=org, tlp="red", author_id=actor.user_id)
    if actor.is_org_admin:
        q |= Q(organisation_id=org, tlp="red")
    if actor.organisation_verified:
        q |= Q(tlp="green")
    return q


@rule("agreements.agreementreview", "view")
def agreement_review_view(actor: Actor) -> Q:
    """TLP 2.0 sight of saved agreement reviews (see the table above)."""
    return review_levels_q(actor)


@rule("agreements.agreementreview", "edit")
def agreement_review_edit(actor: Actor) -> Q:
    """Members of the owning organisation who see the review add drafts and relabel it."""
    if actor.organisation_id is None:
        return Q(pk__in=[])
    return review_levels_q(actor) & Q(organisation_id=actor.organisation_id)


@rule("agreements.agreementreview", "delete")
def agreement_review_delete(actor: Actor) -> Q:
    """The author, or an admin of the owning organisation, deletes a review."""
    if actor.organisation_id is None:
        return Q(pk__in=[])
    mine = Q(author_id=actor.user_id)
    if actor.is_org_admin:
        mine |= Q(pk__isnull=False)
    return mine & Q(organisation_id=actor.organisation_id)


@rule("agreements.agreementdraft", "view")
def agreement_draft_view(actor: Actor) -> Q:
    """A draft is visible exactly when its review is (children inherit)."""
    from twinwise.agreements.models import AgreementReview

    return Q(review__in=AgreementReview.objects.filter(review_levels_q(actor)).values("pk"))


@model_rule("agreements.agreementreview", "create")
def agreement_review_create(actor: Actor) -> bool:
    """Any member user (signed in with two factors) saves reviews for their organisation."""
    return actor.organisation_id is not None and actor.user_id is not None


# -- peer learning: introductions, watches, notifications --------------------------------


def _nothing() -> Q:
    return Q(pk__in=[])


@rule("cases.case", "introduce")
def case_introduce(actor: Actor) -> Q:
    """A member of a verified organisation asks to be introduced to the office behind a
    published report they can see — not their own office's, not the public record's."""
    if actor.organisation_id is None or not actor.organisation_verified:
        return _nothing()
    return (
        case_levels_q(actor)
        & Q(state=PUBLISHED, organisation__is_public_record=False)
        & ~Q(organisation_id=actor.organisation_id)
    )


@model_rule("peers.introduction", "create")
def introduction_create(actor: Actor) -> bool:
    """Members of verified organisations (signed in with two factors) ask for introductions."""
    return actor.user_id is not None and actor.organisation_verified


@rule("peers.introduction", "view")
def introduction_view(actor: Actor) -> Q:
    """The person who asked (while in the same office) and their office's admins; on the
    other side the office's admins and, for a request about a report, its author."""
    org = actor.organisation_id
    if org is None:
        return _nothing()
    asked = Q(requester_organisation_id=org)
    received = Q(target_id=org)
    if not actor.is_org_admin:
        asked &= Q(requester_id=actor.user_id)
        received &= Q(case__author_id=actor.user_id)
    return asked | received


@rule("peers.introduction", "decide")
def introduction_decide(actor: Actor) -> Q:
    """A pending request is answered by an admin of the office asked; a request about an
    anonymous report also by the report's author (who alone knows it was theirs)."""
    org = actor.organisation_id
    if org is None:
        return _nothing()
    who = Q(anonymous=True, case__author_id=actor.user_id)
    if actor.is_org_admin:
        who = Q()
    return Q(state="pending", target_id=org) & who


def _own(actor: Actor) -> Q:
    """A person's own watches, notifications and digest setting; no one else's."""
    if actor.organisation_id is None:  # members with two factors only, like everything else
        return _nothing()
    return Q(user_id=actor.user_id)


@model_rule("peers.watch", "create")
def watch_create(actor: Actor) -> bool:
    """Members (signed in with two factors) watch counterparts, topics, partnerships and reports."""
    return actor.organisation_id is not None and actor.user_id is not None


for _model in ("peers.watch", "peers.notification", "peers.digestsetting"):
    for _action in ("view", "change"):
        rule(_model, _action)(_own)
