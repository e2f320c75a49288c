"""Reads for peer learning, all through the access policy.

Every case that reaches a page, an API answer or an email passes `case_present_many`, so an
anonymous report is redacted the same way here as everywhere else; notifications hold only
references and are re-checked against the policy when they are read or emailed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import visible
from twinwise.cases.models import Case, CaseState
from twinwise.cases.selectors import case_present_many
from twinwise.core import taxonomy
from twinwise.directory.models import Counterpart

from .models import Introduction, IntroductionState, Notification, Watch

PEER_CASES_MAX = 200
PATTERN_DAYS = 90
PATTERN_MIN_ORGANISATIONS = 3


def label(name: str, id: str) -> str:
    """A taxonomy label, or the id itself for one the taxonomy no longer knows."""
    try:
        return taxonomy.label(name, id)
    except KeyError:
        return id


def _with_topics_text(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.annotate(topics_text=Cast("topics", TextField()))


def topic_q(topics) -> Q:
    """Cases with any of `topics` (a JSON list; '"tibet"' with quotes matches a whole id)."""
    q = Q(pk__in=[])
    for topic in topics:
        q |= Q(topics_text__contains=f'"{topic}"')
    return q


# -- the peer finder ---------------------------------------------------------------------


@dataclass
class PeerGroup:
    """One office (or one anonymous report standing for an office no one may name)."""

    label: str
    organisation: dict | None
    generalised: bool
    cases: list[dict] = field(default_factory=list)
    introduction: dict | None = None  # the actor's latest request to this office, if any
    ask_case: int | None = None  # the report an introduction request would be about


def peer_finder(
    *,
    actor: Actor,
    case: Case | None = None,
    counterpart: Counterpart | None = None,
    topic: str = "",
) -> list[PeerGroup]:
    """ "Who else dealt with this?": the other offices behind reports `actor` may see (and ask
    about) on the same counterpart, or of the same kind with a shared topic, or on a topic."""
    qs = _with_topics_text(visible(actor, Case.objects.all(), "introduce"))
    if case is not None:
        match = (
            Q(case_type=case.case_type) & topic_q(case.topics or [])
            if case.case_type
            else Q(pk__in=[])
        )
        if case.counterpart_id:
            match |= Q(counterpart_id=case.counterpart_id)
        qs = qs.filter(match).exclude(pk=case.pk)
    elif counterpart is not None:
        qs = qs.filter(counterpart=counterpart)
    else:
        qs = qs.filter(topic_q([topic]))
    cases = list(
        qs.select_related(
            "organisation__country", "organisation__place", "counterpart", "author"
        ).order_by("-published_at", "-pk")[:PEER_CASES_MAX]
    )
    presented = case_present_many(actor=actor, cases=cases)
    asked = _latest_requests(actor, cases)
    groups: dict[tuple, PeerGroup] = {}
    for obj, p in zip(cases, presented, strict=True):
        reporter = p["reporter"]
        key = ("case", obj.pk) if reporter["generalised"] else ("org", obj.organisation_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = PeerGroup(
                label=reporter["label"],
                organisation=reporter["organisation"],
                generalised=reporter["generalised"],
                ask_case=obj.pk,
            )
        p["reasons"] = similarity_reasons(obj, case=case, counterpart=counterpart, topic=topic)
        group.cases.append(p)
        request = (
            asked.get(obj.pk)
            if reporter["generalised"]
            else asked.get(("org", obj.organisation_id))
        )
        if request is not None and group.introduction is None:
            group.introduction = request
    return list(groups.values())


def _latest_requests(actor: Actor, cases: list[Case]) -> dict:
    """The actor's office's requests about these reports: by case, and by office when named."""
    if actor.organisation_id is None or not cases:
        return {}
    out: dict = {}
    requests = visible(actor, Introduction.objects.filter(case__in=cases)).order_by("created_at")
    for intro in requests:
        state = {"state": intro.state, "label": intro.get_state_display()}
        out[intro.case_id] = state
        if not intro.anonymous:
            out[("org", intro.target_id)] = state
    return out


def similarity_reasons(
    obj: Case, *, case: Case | None, counterpart: Counterpart | None, topic: str
) -> list[str]:
    """Why a report is listed: "same counterpart", "same kind of case", "topics: Tibet"."""
    reasons = []
    if case is not None:
        if case.counterpart_id and obj.counterpart_id == case.counterpart_id:
            reasons.append(_("same counterpart"))
        if case.case_type and obj.case_type == case.case_type:
            reasons.append(_("same kind of case"))
        shared = [t for t in obj.topics or [] if t in (case.topics or [])]
        if shared:
            labels = ", ".join(label("topics", t) for t in shared)
            reasons.append(_("topics: %(topics)s") % {"topics": labels})
        if case.response_type and obj.response_type == case.response_type:
            reasons.append(
                _("also %(response)s")
                % {"response": label("response_types", obj.response_type).lower()}
            )
    elif counterpart is not None:
        reasons.append(_("same counterpart"))
    elif topic:
        reasons.append(_("topics: %(topics)s") % {"topics": label("topics", topic)})
    return reasons


# -- introductions ------------------------------------------------------------------------


def introductions_for(*, actor: Actor) -> dict[str, list[dict]]:
    """The requests the actor's office asked and received that the actor may see."""
    qs = visible(actor, Introduction.objects.all()).select_related(
        "requester", "requester_organisation", "target", "decided_by", "target_contact", "case"
    )
    asked, received = [], []
    for intro in qs:
        item = introduction_present(actor=actor, intro=intro)
        (asked if intro.requester_organisation_id == actor.organisation_id else received).append(
            item
        )
    return {"asked": asked, "received": received}


def introduction_present(*, actor: Actor, intro: Introduction) -> dict:
    """What `actor` may read of a request. The office behind an anonymous report stays a
    generalised description for the requester until the request is accepted; contact
    details (names, email addresses) appear for both sides only once it is accepted."""
    from twinwise.access.policy import can

    on_target_side = actor.organisation_id == intro.target_id
    accepted = intro.state == IntroductionState.ACCEPTED
    case = intro.case
    presented = case_present_many(actor=actor, cases=[case])[0] if case is not None else None
    if on_target_side or accepted or not intro.anonymous:
        target_label = intro.target.name
    else:
        target_label = presented["reporter"]["label"] if presented else _("another office")
    item = {
        "id": intro.pk,
        "state": intro.state,
        "state_label": intro.get_state_display(),
        "created_at": intro.created_at,
        "decided_at": intro.decided_at,
        "anonymous": intro.anonymous,
        "requester_organisation": intro.requester_organisation.name,
        "requester": _person(intro.requester) if on_target_side or not intro.anonymous else "",
        "target": target_label,
        "message": intro.message,
        "case": {"id": case.pk, "title": presented["title"]} if presented else None,
        "can_decide": can(actor, "decide", intro),
        "contacts": None,
    }
    if accepted:
        contact = intro.target_contact or intro.decided_by
        item["contacts"] = {
            "requester": _contact(intro.requester, intro.requester_organisation),
            "target": _contact(contact, intro.target),
        }
    return item


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _contact(user, organisation) -> dict:
    return {
        "name": _person(user),
        "email": (user.email if user else "") or organisation.contact_email,
        "organisation": organisation.name,
        "office_email": organisation.contact_email,
    }


# -- watches and notifications ----------------------------------------------------------


def watches_for(*, actor: Actor) -> QuerySet[Watch]:
    return visible(actor, Watch.objects.all()).select_related(
        "counterpart", "partnership__local", "partnership__counterpart", "case"
    )


def watch_present_many(*, actor: Actor, watches) -> list[dict]:
    """Each watch with a label the actor may read (a report the actor can no longer see is
    shown as such, without its title)."""
    watches = list(watches)
    case_ids = [w.case_id for w in watches if w.case_id]
    seen = set(visible(actor, Case.objects.filter(pk__in=case_ids)).values_list("pk", flat=True))
    out = []
    for w in watches:
        if w.kind == "counterpart":
            text = w.counterpart.name
        elif w.kind == "topic":
            text = label("topics", w.topic)
        elif w.kind == "partnership":
            text = str(w.partnership)
        else:
            text = w.case.title if w.case_id in seen else _("a report you can no longer see")
        out.append(
            {
                "id": w.pk,
                "kind": w.kind,
                "kind_label": w.get_kind_display(),
                "label": text,
                "target": watch_target(w),
                "visible": w.kind != "case" or w.case_id in seen,
            }
        )
    return out


def watch_target(w: Watch) -> str:
    if w.kind == "topic":
        return w.topic
    return str(
        {"counterpart": w.counterpart_id, "partnership": w.partnership_id, "case": w.case_id}[
            w.kind
        ]
    )


def watching(*, actor: Actor, kind: str, target) -> Watch | None:
    """The actor's watch on this counterpart/topic/partnership/report, if any."""
    if actor.organisation_id is None:
        return None
    lookup = {"topic": target} if kind == "topic" else {f"{kind}_id": target}
    return visible(actor, Watch.objects.filter(kind=kind, **lookup)).first()


def notifications_for(*, actor: Actor, unread_only: bool = False) -> QuerySet[Notification]:
    qs = visible(actor, Notification.objects.all())
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("counterpart")


def unread_count(*, actor: Actor) -> int:
    if actor.organisation_id is None:
        return 0
    return notifications_for(actor=actor, unread_only=True).count()


def notification_present_many(*, actor: Actor, notifications) -> list[dict]:
    """Notifications as `actor` may read them now: one whose report the actor can no longer
    see is left out entirely (it is not even counted)."""
    notes = list(notifications)
    case_ids = {n.case_id for n in notes if n.case_id}
    cases = (
        list(
            visible(actor, Case.objects.filter(pk__in=case_ids)).select_related(
                "organisation__country", "organisation__place", "author"
            )
        )
        if case_ids
        else []
    )
    visible_ids = {c.pk for c in cases}
    presented = {p["id"]: p for p in case_present_many(actor=actor, cases=cases)}
    intro_ids = [n.introduction_id for n in notes if n.introduction_id]
    intros = (
        {
            i.pk: i
            for i in visible(actor, Introduction.objects.filter(pk__in=intro_ids)).select_related(
                "requester",
                "requester_organisation",
                "target",
                "decided_by",
                "target_contact",
                "case__organisation__country",
                "case__organisation__place",
            )
        }
        if intro_ids
        else {}
    )
    out = []
    for n in notes:
        item = {"id": n.pk, "kind": n.kind, "created_at": n.created_at, "read": bool(n.read_at)}
        if n.case_id:
            if n.case_id not in visible_ids:
                continue
            p = presented[n.case_id]
            item["case"] = {"id": p["id"], "title": p["title"], "reporter": p["reporter"]["label"]}
        if n.kind == "pattern":
            item["counterpart"] = {"id": n.counterpart_id, "name": n.counterpart.name}
            item["counts"] = dict(n.counts)
            item["case_type_label"] = label("case_types", n.counts.get("case_type", ""))
        if n.introduction_id:
            intro = intros.get(n.introduction_id)
            if intro is None:
                continue
            item["introduction"] = introduction_present(actor=actor, intro=intro)
        item["text"] = notification_text(n.kind, item)
        out.append(item)
    return out


def notification_text(kind: str, item: dict) -> str:
    if kind == "case":
        return _("New report: %(title)s") % {"title": item["case"]["title"]}
    if kind == "comment":
        return _("New comment on: %(title)s") % {"title": item["case"]["title"]}
    if kind == "pattern":
        c = item["counts"]
        return _(
            "%(orgs)d offices reported %(cases)d cases of the kind “%(type)s” about "
            "%(counterpart)s in the last %(days)d days."
        ) % {
            "orgs": c.get("organisations", 0),
            "cases": c.get("cases", 0),
            "type": item["case_type_label"],
            "counterpart": item["counterpart"]["name"],
            "days": c.get("days", PATTERN_DAYS),
        }
    intro = item["introduction"]
    if kind == "intro-requested":
        return _("%(org)s asks to be introduced to your office.") % {
            "org": intro["requester_organisation"]
        }
    if kind == "intro-accepted":
        return _("Introduction accepted: %(a)s and %(b)s can now contact each other.") % {
            "a": intro["requester_organisation"],
            "b": intro["target"],
        }
    return _("Introduction declined by %(org)s.") % {"org": intro["target"]}


# -- patterns ----------------------------------------------------------------------------


def pattern_counts(*, actor: Actor, counterpart_id: int, case_type: str, now=None) -> dict | None:
    """Counts of the reports `actor` may see of one kind about one counterpart in the last
    90 days, when at least three offices made them; None otherwise. Counts only."""
    since = (now or timezone.now()) - timedelta(days=PATTERN_DAYS)
    rows = list(
        visible(
            actor,
            Case.objects.filter(
                counterpart_id=counterpart_id,
                case_type=case_type,
                state=CaseState.PUBLISHED,
                published_at__gte=since,
            ),
        ).values_list("organisation_id", flat=True)
    )
    organisations = len(set(rows))
    if organisations < PATTERN_MIN_ORGANISATIONS:
        return None
    return {
        "case_type": case_type,
        "organisations": organisations,
        "cases": len(rows),
        "days": PATTERN_DAYS,
    }


# -- counterpart profiles ----------------------------------------------------------------


@dataclass
class CounterpartCases:
    cases: list[dict]
    total: int
    by_year: list[dict]
    responses: list[tuple[str, str, int]]
    response_sentence: str
    consequences: int
    topics: list[tuple[str, int]]
    case_types: list[tuple[str, int]]


# "What followed": reports of consequences after a city acted (TAXONOMY.md case types).
CONSEQUENCE_TYPES = ("retaliation",)
PROFILE_CASES_SHOWN = 50


def counterpart_cases(*, actor: Actor, counterpart: Counterpart) -> CounterpartCases:
    """What `actor` may see of the reports about a counterpart (and the bodies under it),
    with counts over exactly those reports: kinds and topics by year, how cities answered."""
    family = [counterpart.pk, *counterpart.children.values_list("pk", flat=True)]
    qs = visible(
        actor,
        Case.objects.filter(counterpart_id__in=family, state=CaseState.PUBLISHED),
    ).select_related("organisation__country", "organisation__place", "author", "counterpart")
    cases = list(qs.order_by("-occurred_year", "-published_at", "-pk"))
    years: dict = defaultdict(Counter)
    topics: Counter = Counter()
    types: Counter = Counter()
    responses: Counter = Counter()
    consequences = 0
    for c in cases:
        year = c.occurred_year or (c.published_at.year if c.published_at else None)
        if c.case_type:
            years[year][c.case_type] += 1
            types[c.case_type] += 1
        topics.update(c.topics or [])
        if c.response_type:
            responses[c.response_type] += 1
        if c.case_type in CONSEQUENCE_TYPES:
            consequences += 1
    by_year = [
        {
            "year": year,
            "total": sum(counts.values()),
            "types": [(label("case_types", t), n) for t, n in counts.most_common()],
        }
        for year, counts in sorted(years.items(), key=lambda kv: kv[0] or 0, reverse=True)
    ]
    response_rows = [(r, label("response_types", r), n) for r, n in responses.most_common()]
    return CounterpartCases(
        cases=case_present_many(actor=actor, cases=cases[:PROFILE_CASES_SHOWN]),
        total=len(cases),
        by_year=by_year,
        responses=response_rows,
        response_sentence=response_sentence(responses, consequences),
        consequences=consequences,
        topics=[(label("topics", t), n) for t, n in topics.most_common()],
        case_types=[(label("case_types", t), n) for t, n in types.most_common()],
    )


def response_sentence(responses: Counter, consequences: int) -> str:
    """'7 declined, 1 complied; 0 reported consequences' over the reports counted."""
    parts = [f"{n} {label('response_types', r).lower()}" for r, n in responses.most_common()]
    answered = ", ".join(parts) if parts else _("no answers recorded")
    return _("%(answered)s; %(n)d reported consequences") % {
        "answered": answered,
        "n": consequences,
    }
