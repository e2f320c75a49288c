"""Writes for peer learning. Each service a person calls checks the access policy first and
runs in one transaction; the fan-out after a report is shared and the digest run as the
system, in background tasks, and check the policy for every person they write to."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import require, require_model
from twinwise.cases.models import Case, CaseState
from twinwise.cases.selectors import case_get
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Counterpart
from twinwise.directory.services import counterpart_resolve
from twinwise.partnerships.selectors import partnership_get

from . import selectors
from .models import (
    DigestFrequency,
    DigestSetting,
    Introduction,
    IntroductionState,
    Notification,
    NotificationKind,
    Watch,
    WatchKind,
)

MAX_MESSAGE = 2_000
DIGEST_PERIOD = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}
DEFAULT_FREQUENCY = DigestFrequency.WEEKLY


# -- introductions -----------------------------------------------------------------------


@transaction.atomic
def introduction_request(*, actor: Actor, case_id: int, message: str = "") -> Introduction:
    """Ask to be put in touch with the office behind a report the actor can see.

    Rules: peers.introduction/create (verified members) and cases.case/introduce (a
    published report of another member office the actor can see; 404 when it is invisible).
    """
    require_model(actor, Introduction, "create")
    case = case_get(actor=actor, pk=case_id, audit_read=False)
    require(actor, "introduce", case)
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise UserFacingError(
            _("this is %(n)d characters long; the limit is %(limit)d")
            % {"n": len(message), "limit": MAX_MESSAGE},
            field="message",
        )
    pending = Introduction.objects.filter(
        requester_organisation_id=actor.organisation_id,
        target_id=case.organisation_id,
        state=IntroductionState.PENDING,
    )
    # One open request per office pair; about an anonymous report, one per report.
    pending = pending.filter(case=case) if case.anonymous else pending.filter(anonymous=False)
    if pending.exists():
        raise UserFacingError(
            _("your office has already asked; the request is waiting for an answer"), field="case"
        )
    intro = Introduction.objects.create(
        requester_id=actor.user_id,
        requester_organisation_id=actor.organisation_id,
        target_id=case.organisation_id,
        case=case,
        anonymous=case.anonymous,
        message=message,
    )
    deciders = _deciders(intro)
    _notify(deciders, NotificationKind.INTRODUCTION_REQUESTED, introduction=intro)
    _email_introduction(intro, deciders, "requested")
    return intro


def _deciders(intro: Introduction):
    """Who answers: the target office's admins; for an anonymous report also its author."""
    q = Q(organisation_id=intro.target_id, role="admin")
    if intro.anonymous and intro.case is not None and intro.case.author_id:
        q |= Q(pk=intro.case.author_id, organisation_id=intro.target_id)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())


@transaction.atomic
def introduction_decide(*, actor: Actor, pk: int, accept: bool) -> Introduction:
    """Accept or decline a request (rule peers.introduction/decide). Accepting exchanges the
    contact details: both sides are notified in the app and by email."""
    intro = Introduction.objects.select_for_update().filter(pk=pk).first()
    if intro is None:
        from django.http import Http404

        raise Http404("No such record.")
    require(actor, "decide", intro)
    intro.state = IntroductionState.ACCEPTED if accept else IntroductionState.DECLINED
    intro.decided_by_id = actor.user_id
    intro.decided_at = timezone.now()
    if accept:
        intro.target_contact_id = actor.user_id
    intro.save()
    requester = [intro.requester] if intro.requester.is_active else []
    if accept:
        _notify(requester, NotificationKind.INTRODUCTION_ACCEPTED, introduction=intro)
        decider = get_user_model().objects.get(pk=actor.user_id)
        _notify([decider], NotificationKind.INTRODUCTION_ACCEPTED, introduction=intro)
        _email_introduction(intro, requester, "accepted")
        _email_introduction(intro, [decider], "accepted")
    else:
        _notify(requester, NotificationKind.INTRODUCTION_DECLINED, introduction=intro)
        _email_introduction(intro, requester, "declined")
    return intro


def _email_introduction(intro: Introduction, users, event: str) -> None:
    """One email per person, each written as that person may read the request."""
    for user in users:
        if not user.email:
            continue
        actor = Actor.from_user(user, strong=True)
        item = selectors.introduction_present(actor=actor, intro=intro)
        subjects = {
            "requested": _("An office asks to be introduced to yours"),
            "accepted": _("Introduction accepted: you can now contact each other"),
            "declined": _("Your introduction request was declined"),
        }
        body = render_to_string(
            "peers/email/introduction.txt",
            {
                "event": event,
                "intro": item,
                "site_name": settings.SITE_NAME,
                "link": _absolute("/introductions/"),
            },
        )
        send_mail(f"[{settings.SITE_NAME}] {subjects[event]}", body, None, [user.email])


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# -- watches -----------------------------------------------------------------------------


WATCH_KINDS = tuple(WatchKind.values)


@transaction.atomic
def watch_create(*, actor: Actor, kind: str, target) -> Watch:
    """Follow a counterpart, topic, partnership or report (rule peers.watch/create). An
    unknown or invisible target is a 404, exactly like one that does not exist."""
    require_model(actor, Watch, "create")
    kind = (kind or "").strip()
    if kind not in WATCH_KINDS:
        raise UserFacingError(
            _("%(value)r is not one of: %(ids)s") % {"value": kind, "ids": ", ".join(WATCH_KINDS)},
            field="kind",
        )
    values = {"user_id": actor.user_id, "kind": kind}
    if kind == WatchKind.TOPIC:
        topic = str(target or "").strip()
        if topic not in taxonomy.ids("topics"):
            raise UserFacingError(
                _("%(value)r is not a topic; use: %(ids)s")
                % {"value": topic[:50], "ids": ", ".join(taxonomy.ids("topics"))},
                field="target",
            )
        values["topic"] = topic
    else:
        pk = _target_id(target)
        if kind == WatchKind.COUNTERPART:
            from django.shortcuts import get_object_or_404

            values["counterpart"] = get_object_or_404(Counterpart, pk=pk)
        elif kind == WatchKind.PARTNERSHIP:
            values["partnership"] = partnership_get(actor=actor, pk=pk)
        else:
            values["case"] = case_get(actor=actor, pk=pk, audit_read=False)
    existing = Watch.objects.filter(**values).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Watch.objects.create(**values)
    except IntegrityError:  # a second click at the same moment
        return Watch.objects.get(**values)


def _target_id(target) -> int:
    text = str(target if target is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise UserFacingError(_("give the id of what to watch, a whole number"), field="target")
    return int(text)


@transaction.atomic
def watch_delete(*, actor: Actor, pk: int) -> None:
    """Stop watching (rule peers.watch/change: one's own watches only; others' are a 404)."""
    from twinwise.access.policy import get_for

    watch = get_for(actor, Watch.objects.all(), "change", pk=pk)
    watch.delete()


@transaction.atomic
def digest_frequency_set(*, actor: Actor, frequency: str) -> DigestSetting:
    require_model(actor, Watch, "create")  # members only, like watches
    if frequency not in DigestFrequency.values:
        raise UserFacingError(
            _("%(value)r is not one of: %(ids)s")
            % {"value": frequency, "ids": ", ".join(DigestFrequency.values)},
            field="frequency",
        )
    setting, _created = DigestSetting.objects.update_or_create(
        user_id=actor.user_id, defaults={"frequency": frequency}
    )
    return setting


def digest_frequency(*, actor: Actor) -> str:
    setting = DigestSetting.objects.filter(user_id=actor.user_id).first()
    return setting.frequency if setting else DEFAULT_FREQUENCY


@transaction.atomic
def notifications_mark_read(*, actor: Actor, pk: int | None = None) -> int:
    """Mark one notification (or, without pk, all of them) read; others' are a 404."""
    from twinwise.access.policy import get_for, visible

    if pk is not None:
        note = get_for(actor, Notification.objects.all(), "change", pk=pk)
        qs = Notification.objects.filter(pk=note.pk)
    else:
        qs = visible(actor, Notification.objects.all(), "change")
    return qs.filter(read_at__isnull=True).update(read_at=timezone.now())


def _notify(users, kind: str, **refs) -> None:
    Notification.objects.bulk_create([Notification(user=u, kind=kind, **refs) for u in users])


# -- after a report is shared (background task) ------------------------------------------


def case_published_fanout(*, case_id: int) -> int:
    """Link the report to its counterpart record, tell the watchers who may see it, and send
    pattern notices. Runs as the system; every person written to is checked. Returns the
    number of notifications created."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.state != CaseState.PUBLISHED:
            return 0
        if case.counterpart_id is None and case.counterpart_name:
            counterpart = counterpart_resolve(
                kind=case.counterpart_kind, name=case.counterpart_name
            )
            if counterpart is not None:
                Case.objects.filter(pk=case.pk).update(counterpart=counterpart)
                case.counterpart = counterpart
    created = _notify_watchers(case)
    if case.counterpart_id and case.case_type:
        created += pattern_signal(counterpart_id=case.counterpart_id, case_type=case.case_type)
    return created


def _watchers(case: Case):
    q = Q(kind=WatchKind.TOPIC, topic__in=list(case.topics or []))
    if case.counterpart_id:
        family = [case.counterpart_id]
        if case.counterpart.parent_id:
            family.append(case.counterpart.parent_id)
        q |= Q(kind=WatchKind.COUNTERPART, counterpart_id__in=family)
    if case.partnership_id:
        q |= Q(kind=WatchKind.PARTNERSHIP, partnership_id=case.partnership_id)
    user_ids = Watch.objects.filter(q).values("user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True, organisation__isnull=False)
        .select_related("organisation")
    )


def _sees(user, case: Case) -> bool:
    from twinwise.access.policy import can

    return can(Actor.from_user(user, strong=True), "view", case)


def _notify_watchers(case: Case) -> int:
    users = [u for u in _watchers(case) if u.pk != case.author_id and _sees(u, case)]
    already = set(
        Notification.objects.filter(kind=NotificationKind.CASE, case=case).values_list(
            "user_id", flat=True
        )
    )
    users = [u for u in users if u.pk not in already]
    _notify(users, NotificationKind.CASE, case=case)
    return len(users)


def case_comment_fanout(*, comment_id: int) -> int:
    """Tell the people watching a report about a new comment on it — those who may see the
    report now, except the comment's author. Returns the number of notifications made."""
    from twinwise.cases.models import CaseComment

    comment = CaseComment.objects.select_related("case").filter(pk=comment_id).first()
    if comment is None:
        return 0
    case = comment.case
    watchers = (
        get_user_model()
        .objects.filter(
            pk__in=Watch.objects.filter(kind=WatchKind.CASE, case=case).values("user_id"),
            is_active=True,
            organisation__isnull=False,
        )
        .exclude(pk=comment.author_id)
    )
    users = [u for u in watchers.select_related("organisation") if _sees(u, case)]
    _notify(users, NotificationKind.COMMENT, case=case)
    return len(users)


def pattern_signal(*, counterpart_id: int, case_type: str, now=None) -> int:
    """≥3 offices reporting the same kind of case about one counterpart within 90 days: every
    member watching that counterpart gets a notice with counts of what they may see (once per
    counterpart and kind in 90 days)."""
    now = now or timezone.now()
    since = now - timedelta(days=selectors.PATTERN_DAYS)
    watchers = (
        get_user_model()
        .objects.filter(
            pk__in=Watch.objects.filter(
                kind=WatchKind.COUNTERPART, counterpart_id=counterpart_id
            ).values("user_id"),
            is_active=True,
            organisation__isnull=False,
        )
        .select_related("organisation")
    )
    recent = set(
        Notification.objects.filter(
            kind=NotificationKind.PATTERN,
            counterpart_id=counterpart_id,
            counts__case_type=case_type,
            created_at__gte=since,
        ).values_list("user_id", flat=True)
    )
    notes = []
    for user in watchers:
        if user.pk in recent:
            continue
        counts = selectors.pattern_counts(
            actor=Actor.from_user(user, strong=True),
            counterpart_id=counterpart_id,
            case_type=case_type,
            now=now,
        )
        if counts is not None:
            notes.append(
                Notification(
                    user=user,
                    kind=NotificationKind.PATTERN,
                    counterpart_id=counterpart_id,
                    counts=counts,
                )
            )
    Notification.objects.bulk_create(notes)
    return len(notes)


# -- the digest (background task) --------------------------------------------------------


def digest_due_users(*, frequency: str, now=None):
    """Members whose digest of this frequency is due and who have something unsent."""
    now = now or timezone.now()
    period = DIGEST_PERIOD[frequency]
    pending = Notification.objects.filter(emailed_at__isnull=True).values("user_id")
    users = (
        get_user_model()
        .objects.filter(pk__in=pending, is_active=True, organisation__isnull=False)
        .exclude(email="")
    )
    chosen = DigestSetting.objects.filter(frequency=frequency).values("user_id")
    others = DigestSetting.objects.values("user_id")
    if frequency == DEFAULT_FREQUENCY:
        users = users.filter(Q(pk__in=chosen) | ~Q(pk__in=others))
    else:
        users = users.filter(pk__in=chosen)
    # Not twice within a period (less an hour, so a daily cron that runs late still sends).
    recent = DigestSetting.objects.filter(last_sent_at__gt=now - period + timedelta(hours=1))
    return users.exclude(pk__in=recent.values("user_id")).select_related("organisation")


@dataclass
class Digest:
    subject: str
    body: str
    items: list[dict]
    notification_ids: list[int]  # every unsent notification considered (shown or dropped)


DIGEST_BATCH = 200


def digest_build(*, user, now=None) -> Digest:
    """One person's digest as that person may read it at this moment (no items: nothing new
    they may see). The notifications it considered are returned to be marked as emailed."""
    actor = Actor.from_user(user, strong=True)
    notes = list(
        Notification.objects.filter(user=user, emailed_at__isnull=True)
        .select_related("counterpart")
        .order_by("created_at", "pk")
    )
    items = selectors.notification_present_many(actor=actor, notifications=notes) if notes else []
    ids = [n.pk for n in notes]
    if not items:
        return Digest("", "", [], ids)
    subject = _("[%(site)s] Your digest: %(n)d new") % {"site": settings.SITE_NAME, "n": len(items)}
    body = render_to_string(
        "peers/email/digest.txt",
        {
            "user": user,
            "items": items,
            "site_name": settings.SITE_NAME,
            "link": _absolute("/notifications/"),
        },
    )
    return Digest(subject, body, items, ids)


def digests_send(*, frequency: str, now=None) -> int:
    """Send every due digest of `frequency`; returns how many emails went out.

    People are handled in batches of DIGEST_BATCH: each digest is built and sent, then the
    batch's notifications and send times are marked in one transaction. A run that dies
    mid-batch may send those few people their digest again next time; none is lost.
    """
    _check_frequency(frequency)
    now = now or timezone.now()
    sent, batch = 0, []
    for user in digest_due_users(frequency=frequency, now=now).iterator(chunk_size=DIGEST_BATCH):
        batch.append(user)
        if len(batch) == DIGEST_BATCH:
            sent += _digest_batch(batch, frequency=frequency, now=now)
            batch = []
    if batch:
        sent += _digest_batch(batch, frequency=frequency, now=now)
    return sent


def digest_batches(*, frequency: str, now=None) -> list[list[int]]:
    """The ids of the people due a digest, in batches of DIGEST_BATCH (one task each, so
    several workers share a run)."""
    _check_frequency(frequency)
    ids = list(digest_due_users(frequency=frequency, now=now).values_list("pk", flat=True))
    return [ids[i : i + DIGEST_BATCH] for i in range(0, len(ids), DIGEST_BATCH)]


def digest_batch_send(*, frequency: str, user_ids: list[int], now=None) -> int:
    """Send the digests of these people that are still due (a person another run has just
    served is skipped)."""
    _check_frequency(frequency)
    now = now or timezone.now()
    users = list(digest_due_users(frequency=frequency, now=now).filter(pk__in=user_ids))
    return _digest_batch(users, frequency=frequency, now=now) if users else 0


def _check_frequency(frequency: str) -> None:
    if frequency not in DIGEST_PERIOD:
        raise UserFacingError(
            _("%(value)r is not one of: daily, weekly") % {"value": frequency}, field="frequency"
        )


def _digest_batch(users: list, *, frequency: str, now) -> int:
    sent, considered = 0, []
    for user in users:
        digest = digest_build(user=user, now=now)
        considered += digest.notification_ids
        if digest.items:
            send_mail(digest.subject, digest.body, None, [user.email])
            sent += 1
    user_ids = [u.pk for u in users]
    with transaction.atomic():
        Notification.objects.filter(pk__in=considered).update(emailed_at=now)
        DigestSetting.objects.filter(user_id__in=user_ids).update(last_sent_at=now)
        have = set(
            DigestSetting.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
        )
        DigestSetting.objects.bulk_create(
            [
                DigestSetting(user_id=pk, frequency=frequency, last_sent_at=now)
                for pk in user_ids
                if pk not in have
            ]
        )
    return sent
