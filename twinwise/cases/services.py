"""Writes of experience reports. Each service checks the access policy first, runs in one
transaction, records a revision and an audit event."""

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.access.policy import PermissionDenied, require, require_model
from twinwise.accounts.models import Organisation
from twinwise.core import taxonomy
from twinwise.core.dates import parse_partial_date
from twinwise.core.errors import UserFacingError
from twinwise.similar.services import embedding_refresh_later

from .models import (
    Case,
    CaseComment,
    CaseRecipientOrganisation,
    CaseRecipientUser,
    CaseRevision,
    CaseState,
)

TEXT_FIELDS = ("summary", "demand", "response", "outcome", "lessons")
CHOICE_FIELDS = {
    "case_type": "case_types",
    "channel": "channels",
    "response_type": "response_types",
    "tlp": "tlp_levels",
    "counterpart_kind": "counterpart_kinds",
}
EDITABLE = (
    "title",
    "occurred_on",
    "counterpart_kind",
    "counterpart_name",
    "case_type",
    "topics",
    "channel",
    *TEXT_FIELDS,
    "response_type",
    "language",
    "tlp",
    "anonymous",
)
REQUIRED_TO_SUBMIT = ("title", "occurred_on", "case_type", "summary", "tlp")
MAX_TEXT = 20_000
MAX_TITLE = 300
MAX_COMMENT = 10_000


# -- validation --------------------------------------------------------------------------


def clean_case_data(data: dict) -> dict:
    """Check and normalise the editable fields present in `data`; UserFacingError names the field."""
    clean: dict = {}
    for field in EDITABLE:
        if (
            field not in data or field == "partnership"
        ):  # checked with the actor, see _partnership_id
            continue
        value = data[field]
        if field in CHOICE_FIELDS:
            value = (value or "").strip()
            if value and value not in taxonomy.ids(CHOICE_FIELDS[field]):
                raise UserFacingError(
                    _("%(value)r is not one of: %(ids)s")
                    % {"value": value, "ids": ", ".join(taxonomy.ids(CHOICE_FIELDS[field]))},
                    field=field,
                )
        elif field == "topics":
            value = _clean_topics(value)
        elif field == "anonymous":
            value = bool(value)
        elif field == "occurred_on":
            value = (value or "").strip()
            if value:
                try:
                    parse_partial_date(value)
                except ValueError as exc:
                    raise UserFacingError(str(exc), field=field) from None
        elif field == "language":
            value = (value or "").strip().lower()
            if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
                raise UserFacingError(
                    _("use a two-letter language code such as en, de or fr"), field=field
                )
        else:
            value = (value or "").strip()
            limit = MAX_TITLE if field in ("title", "counterpart_name") else MAX_TEXT
            if len(value) > limit:
                raise UserFacingError(
                    _("this is %(n)d characters long; the limit is %(limit)d")
                    % {"n": len(value), "limit": limit},
                    field=field,
                )
        clean[field] = value
    return clean


def _clean_topics(value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    topics = list(dict.fromkeys(v.strip() for v in (value or [])))
    known = taxonomy.ids("topics")
    for topic in topics:
        if topic not in known:
            raise UserFacingError(
                _("%(value)r is not a topic; use: %(ids)s")
                % {"value": topic, "ids": ", ".join(known)},
                field="topics",
            )
    return topics


def _check_complete(case: Case) -> None:
    for field in REQUIRED_TO_SUBMIT:
        if not getattr(case, field):
            raise UserFacingError(_("fill this in before sharing the report"), field=field)


def check_recipients(case: Case, org_ids: list[int], user_ids: list[int]) -> None:
    """Recipients exist only where TLP says so: organisations for amber, people for red."""
    if org_ids and case.tlp != "amber":
        raise UserFacingError(
            _("only TLP:AMBER reports are shared with named organisations"),
            field="recipients.members",
        )
    if user_ids and case.tlp != "red":
        raise UserFacingError(
            _("only TLP:RED reports are shared with named people"), field="recipients.users"
        )
    if org_ids:
        orgs = Organisation.objects.filter(pk__in=org_ids, verified=True, is_public_record=False)
        if orgs.count() != len(set(org_ids)) or case.organisation_id in org_ids:
            raise UserFacingError(
                _("recipients must be other verified member organisations"),
                field="recipients.members",
            )
    if user_ids:
        users = get_user_model().objects.filter(
            pk__in=user_ids, is_active=True, organisation__isnull=False
        )
        if users.count() != len(set(user_ids)):
            raise UserFacingError(
                _("recipients must be active members of the network"), field="recipients.users"
            )


# -- history and audit -------------------------------------------------------------------


def snapshot(case: Case) -> dict:
    data = {field: getattr(case, field) for field in EDITABLE if field != "partnership"}
    data["partnership"] = case.partnership_id
    data["state"] = case.state
    data["recipients"] = {
        "members": sorted(
            CaseRecipientOrganisation.objects.filter(case=case).values_list(
                "organisation_id", flat=True
            )
        ),
        "users": sorted(
            CaseRecipientUser.objects.filter(case=case).values_list("user_id", flat=True)
        ),
    }
    return data


DRAFT_EDIT_WINDOW = timedelta(minutes=15)


def record_revision(
    case: Case, actor: Actor, action: str, before: dict | None, note: str = ""
) -> None:
    """Add a history entry and an audit event.

    Autosave edits a draft every few seconds; edits by the same author within 15 minutes of
    the previous draft entry are folded into it, so history and audit stay readable.
    """
    after = snapshot(case)
    changed = sorted(k for k in after if before is None or before.get(k) != after[k])
    if action == "update" and case.state in (CaseState.DRAFT, CaseState.RETURNED):
        last = case.revisions.order_by("-created_at", "-id").first()
        if (
            last is not None
            and last.action in ("create", "update")
            and last.author_id == actor.user_id
            and timezone.now() - last.created_at < DRAFT_EDIT_WINDOW
        ):
            last.snapshot = after
            last.changed_fields = sorted(set(last.changed_fields) | set(changed))
            last.save(update_fields=["snapshot", "changed_fields"])
            return
    CaseRevision.objects.create(
        case=case,
        author_id=actor.user_id,
        action=action,
        changed_fields=changed,
        snapshot=after,
        note=note,
    )
    audit(actor, case, action, {"fields": changed} if changed else {})


def audit(actor: Actor, case: Case, action: str, detail: dict | None = None) -> None:
    """Write one audit event about `case`, visible to its organisation's admins."""
    AuditEvent.objects.create(
        user_id=actor.user_id,
        username=actor.username,
        actor_organisation_id=actor.organisation_id,
        owner_id=case.organisation_id,
        case=case,
        # A draft is its author's alone: the audit trail names it without its title.
        case_ref=(
            f"{case.pk}: {case.title}"
            if case.state != CaseState.DRAFT
            else f"{case.pk}: " + _("a draft")
        )[:250],
        action=action,
        detail=detail or {},
    )


def _enqueue_published(case: Case) -> None:
    """Once a report is shared, peer learning (watchers, patterns) runs in the background."""
    if case.state == CaseState.PUBLISHED:
        from twinwise.peers.tasks import case_published

        transaction.on_commit(lambda: case_published.enqueue(case.pk))


# -- the workflow ------------------------------------------------------------------------


@transaction.atomic
def case_create(*, actor: Actor, data: dict, recipients: dict | None = None) -> Case:
    """Start a draft report for the actor's organisation.

    Rule: any member user signed in with two factors (access rule cases.case/create).
    """
    require_model(actor, Case, "create")
    case = Case(
        organisation_id=actor.organisation_id, author_id=actor.user_id, state=CaseState.DRAFT
    )
    _apply(case, _clean_with_actor(actor, data))
    if not case.title:
        raise UserFacingError(_("give the report a title"), field="title")
    case.save()
    _set_recipients(case, recipients)
    record_revision(case, actor, "create", None)
    return case


@transaction.atomic
def case_update(*, actor: Actor, case: Case, data: dict, recipients: dict | None = None) -> Case:
    """Change a draft (or a returned report). Rule: only its author (cases.case/edit)."""
    require(actor, "edit", case)
    before = snapshot(case)
    _apply(case, _clean_with_actor(actor, data))
    if not case.title:
        raise UserFacingError(_("give the report a title"), field="title")
    case.save()
    _set_recipients(case, recipients)
    if snapshot(case) != before:
        record_revision(case, actor, "update", before)
    return case


@transaction.atomic
def case_submit(*, actor: Actor, case: Case) -> Case:
    """Share a draft: amber and red reach their recipients at once; green and clear go to a moderator."""
    require(actor, "edit", case)
    _check_complete(case)
    check_recipients(case, *_recipient_ids(case))
    before = snapshot(case)
    now = timezone.now()
    case.submitted_at = now
    if case.tlp in ("green", "clear"):
        case.state = CaseState.PENDING
    else:
        case.state, case.published_at = CaseState.PUBLISHED, now
    case.save()
    record_revision(case, actor, "submit", before)
    # Embedded once the text is final, not on every autosave of the draft: similar-case
    # results hold shared reports only, and a draft's own query embeds its text on the fly.
    embedding_refresh_later(case)
    _enqueue_published(case)
    return case


@transaction.atomic
def case_moderate(*, actor: Actor, case: Case, publish: bool, note: str = "") -> Case:
    """A moderator publishes a green/clear report, or returns it to its author with a comment."""
    require(actor, "moderate", case)
    if not publish and not note.strip():
        raise UserFacingError(_("say what the author should change"), field="note")
    before = snapshot(case)
    case.moderation_note = note.strip()[:MAX_TEXT]
    if publish:
        case.state, case.published_at = CaseState.PUBLISHED, timezone.now()
    else:
        case.state = CaseState.RETURNED
    case.save()
    record_revision(
        case, actor, "publish" if publish else "return", before, note=case.moderation_note
    )
    if publish:
        embedding_refresh_later(case)
    _enqueue_published(case)
    return case


@transaction.atomic
def case_withdraw(*, actor: Actor, case: Case) -> Case:
    """The author (or an admin of their organisation) withdraws a report; the audit log keeps the fact."""
    require(actor, "withdraw", case)
    before = snapshot(case)
    case.state, case.withdrawn_at = CaseState.WITHDRAWN, timezone.now()
    case.save()
    record_revision(case, actor, "withdraw", before)
    return case


@transaction.atomic
def comment_create(*, actor: Actor, case: Case, body: str) -> CaseComment:
    """ "We had the same letter": members comment on published reports they can see."""
    require(actor, "comment", case)
    body = (body or "").strip()
    if not body:
        raise UserFacingError(_("write a comment first"), field="body")
    if len(body) > MAX_COMMENT:
        raise UserFacingError(
            _("a comment can be at most %(n)d characters") % {"n": MAX_COMMENT}, field="body"
        )
    comment = CaseComment.objects.create(
        case=case, author_id=actor.user_id, organisation_id=actor.organisation_id, body=body
    )
    audit(actor, case, "comment", {"comment": comment.pk})
    from twinwise.peers.tasks import case_commented

    transaction.on_commit(lambda: case_commented.enqueue(comment.pk))
    return comment


# -- helpers -----------------------------------------------------------------------------


def _clean_with_actor(actor: Actor, data: dict) -> dict:
    clean = clean_case_data(data)
    if "partnership" in data:
        clean["partnership_id"] = _partnership_id(actor, data["partnership"])
    return clean


def _partnership_id(actor: Actor, value) -> int | None:
    """The registry partnership a report concerns: one the author may see, or none."""
    if value in (None, ""):
        return None
    from django.http import Http404

    from twinwise.partnerships.selectors import partnership_get

    try:
        return partnership_get(actor=actor, pk=int(value)).pk
    except (TypeError, ValueError, Http404):
        raise UserFacingError(
            _("choose a partnership from the registry"), field="partnership"
        ) from None


def _apply(case: Case, clean: dict) -> None:
    for field, value in clean.items():
        setattr(case, field, value)
    if "occurred_on" in clean:
        case.occurred_year = parse_partial_date(case.occurred_on)[0] if case.occurred_on else None


def _recipient_ids(case: Case) -> tuple[list[int], list[int]]:
    return (
        list(
            CaseRecipientOrganisation.objects.filter(case=case).values_list(
                "organisation_id", flat=True
            )
        ),
        list(CaseRecipientUser.objects.filter(case=case).values_list("user_id", flat=True)),
    )


def _set_recipients(case: Case, recipients: dict | None) -> None:
    """Replace the recipients ({"members": [org ids], "users": [user ids]}) when given."""
    if recipients is None:
        return
    org_ids = _ids(recipients.get("members") or [])
    user_ids = _ids(recipients.get("users") or [])
    check_recipients(case, org_ids, user_ids)
    CaseRecipientOrganisation.objects.filter(case=case).delete()
    CaseRecipientUser.objects.filter(case=case).delete()
    CaseRecipientOrganisation.objects.bulk_create(
        [CaseRecipientOrganisation(case=case, organisation_id=i) for i in org_ids]
    )
    CaseRecipientUser.objects.bulk_create(
        [CaseRecipientUser(case=case, user_id=i) for i in user_ids]
    )


def _ids(values: Iterable) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise UserFacingError(_("recipients are given by id"), field="recipients") from None


__all__ = [
    "PermissionDenied",
    "audit",
    "case_create",
    "case_moderate",
    "case_submit",
    "case_update",
    "case_withdraw",
    "clean_case_data",
    "comment_create",
]
