"""Random small networks: the access policy against a plain re-reading of TAXONOMY.md.

`expected()` below is written from the text of TAXONOMY.md "sharing levels" and issue 3,
not from twinwise/access/rules.py, in the most literal Python we could manage. Hypothesis
builds random worlds (a few organisations, verified or not; users in any role, with or
without a second factor, active or not; cases at any level and state, anonymous or not,
with recipients — also on the wrong level, where they must grant nothing) and checks that
`visible()` answers exactly what the oracle says for every person and every case.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.policy import visible
from twinwise.accounts.models import Organisation, User
from twinwise.cases.models import (
    Case,
    CaseComment,
    CaseRecipientOrganisation,
    CaseRecipientUser,
)

TLP = ("red", "amber-strict", "amber", "green", "clear")
STATES = ("draft", "pending", "returned", "published", "withdrawn")
ACTIONS = ("view", "edit", "comment", "moderate", "withdraw", "see_reporter")


@dataclass(frozen=True)
class Person:
    organisation: int | None  # index into World.verified
    admin: bool
    moderator: bool
    staff: bool
    second_factor: bool
    active: bool


@dataclass(frozen=True)
class Report:
    organisation: int
    author: int | None  # index into World.people (may belong to another organisation)
    tlp: str
    state: str
    anonymous: bool
    recipient_organisations: frozenset[int]
    recipient_people: frozenset[int]


@dataclass(frozen=True)
class World:
    verified: tuple[bool, ...]
    people: tuple[Person, ...]
    reports: tuple[Report, ...]


# -- the oracle -------------------------------------------------------------------------


def expected(world: World, who: int | None, report: Report, action: str) -> bool:
    """May person `who` (None: an anonymous visitor) do `action` on `report`?"""
    sees = may_see(world, who, report)
    if action == "view":
        return sees
    person = world.people[who] if who is not None else None
    # Everything beyond reading public records needs a member signed in with two factors.
    member = person is not None and person.active and person.second_factor
    in_org = member and person.organisation is not None
    own = in_org and person.organisation == report.organisation
    author = own and report.author == who
    if action == "edit":
        return author and report.state in ("draft", "returned")
    if action == "comment":
        return in_org and sees and report.state == "published"
    if action == "moderate":
        return (
            member
            and person.moderator
            and report.state == "pending"
            and report.tlp in ("green", "clear")
        )
    if action == "withdraw":
        return (author or (own and person.admin)) and report.state in (
            "pending",
            "returned",
            "published",
        )
    if action == "see_reporter":
        return sees and (not report.anonymous or own)
    raise AssertionError(action)


def may_see(world: World, who: int | None, report: Report) -> bool:
    """TLP 2.0, TAXONOMY.md, for a case in any state."""
    if report.state == "published" and report.tlp == "clear":
        return True  # clear: everyone, including anonymous visitors
    person = world.people[who] if who is not None else None
    if person is None or not person.active or not person.second_factor:
        return False  # without two factors a person sees what the public sees
    org = person.organisation
    # Authorship counts within the author's organisation: after moving to another city,
    # a person no longer sees what they wrote for the old one (like anyone who leaves).
    own = org is not None and org == report.organisation
    author = own and report.author == who
    if report.state == "draft":
        return author  # a draft is its author's alone
    if own and report.tlp != "red":
        return True  # amber-strict, amber, green, clear: the whole organisation, any state
    if own and (author or person.admin):
        return True  # red: the author and the admins of the author's organisation
    if report.state in ("pending", "returned"):
        return person.moderator and report.tlp in ("green", "clear")
    if report.state != "published" or org is None:
        return False  # withdrawn: gone for everyone outside; the rest is for members
    if report.tlp == "red":
        return who in report.recipient_people  # the people the author names
    if report.tlp == "amber":
        return org in report.recipient_organisations  # the organisations it names
    if report.tlp == "green":
        return world.verified[org]  # every verified member organisation
    return False  # amber-strict: the author's own organisation only


# -- random worlds ----------------------------------------------------------------------


@st.composite
def people(draw, organisations: int) -> Person:
    # Mostly members; now and then someone without an organisation.
    organisation = draw(st.sampled_from((None, *range(organisations), *range(organisations))))
    often = st.sampled_from((True, True, True, False))
    rarely = st.sampled_from((False, False, False, True))
    return Person(
        organisation=organisation,
        admin=organisation is not None and draw(st.booleans()),
        moderator=draw(rarely),
        staff=draw(rarely),
        second_factor=draw(often),
        active=draw(often),
    )


@st.composite
def reports(draw, organisations: int, persons: tuple[Person, ...]) -> Report:
    author = draw(st.one_of(st.none(), st.integers(0, len(persons) - 1)))
    home = persons[author].organisation if author is not None else None
    # Mostly written in the author's own organisation; sometimes not (they moved since).
    if home is None or draw(st.booleans()):
        home = draw(st.integers(0, organisations - 1))
    return Report(
        organisation=home,
        author=author,
        tlp=draw(st.sampled_from(TLP)),
        state=draw(st.sampled_from(STATES)),
        anonymous=draw(st.booleans()),
        recipient_organisations=draw(st.frozensets(st.integers(0, organisations - 1))),
        recipient_people=draw(st.frozensets(st.integers(0, len(persons) - 1))),
    )


@st.composite
def worlds(draw) -> World:
    verified = tuple(draw(st.lists(st.booleans(), min_size=2, max_size=3)))
    persons = tuple(draw(st.lists(people(len(verified)), min_size=3, max_size=6)))
    cases = tuple(draw(st.lists(reports(len(verified), persons), min_size=4, max_size=10)))
    return World(verified, persons, cases)


def officer(organisation: int | None, **flags) -> Person:
    values = {"admin": False, "moderator": False, "staff": False, "second_factor": True}
    return Person(organisation=organisation, active=True, **(values | flags))


def report(organisation: int, author: int | None, tlp: str, state: str, **extra) -> Report:
    values = {"anonymous": False, "recipient_organisations": frozenset()}
    values |= {"recipient_people": frozenset()} | extra
    return Report(organisation, author, tlp, state, **values)


# Situations worth checking on every run, whatever Hypothesis draws.
KNOWN_HARD = [
    # A member without a second factor and their own drafts, red and clear.
    World(
        (True,),
        (officer(0, second_factor=False),),
        (report(0, 0, "red", "draft"), report(0, 0, "clear", "draft")),
    ),
    # Someone who moved from organisation 0 to 1: their old red report and draft.
    World(
        (True, True),
        (officer(1),),
        (report(0, 0, "red", "published"), report(0, 0, "amber-strict", "draft")),
    ),
    # A moderator and green/clear/red reports waiting or returned.
    World(
        (True,),
        (officer(None, moderator=True), officer(0)),
        (
            report(0, 1, "green", "returned"),
            report(0, 1, "clear", "pending"),
            report(0, 1, "red", "pending"),
        ),
    ),
    # Recipients on the wrong level grant nothing; a red recipient in the author's own city.
    World(
        (True, False),
        (officer(0), officer(1), officer(0)),
        (
            report(0, 0, "amber-strict", "published", recipient_organisations=frozenset({1})),
            report(0, 0, "green", "published", recipient_people=frozenset({1})),
            report(0, 0, "red", "published", recipient_people=frozenset({2})),
            report(0, 0, "red", "withdrawn", recipient_people=frozenset({1})),
            report(0, 0, "amber", "pending", recipient_organisations=frozenset({1})),
        ),
    ),
]


def create(world: World) -> tuple[list[Actor], list[Case]]:
    """The world's rows; returns the actors (anonymous last) and the cases, by index."""
    country = factories.country("FR")
    orgs = Organisation.objects.bulk_create(
        Organisation(slug=f"org-{i}", name=f"Org {i}", country=country, verified=v)
        for i, v in enumerate(world.verified)
    )
    users = User.objects.bulk_create(
        User(
            username=f"user-{i}",
            organisation=orgs[p.organisation] if p.organisation is not None else None,
            role=("admin" if p.admin else "officer") if p.organisation is not None else "",
            is_moderator=p.moderator,
            is_staff=p.staff,
            is_active=p.active,
        )
        for i, p in enumerate(world.people)
    )
    cases = Case.objects.bulk_create(
        Case(
            title=f"Case {i}",
            organisation=orgs[r.organisation],
            author=users[r.author] if r.author is not None else None,
            tlp=r.tlp,
            state=r.state,
            anonymous=r.anonymous,
        )
        for i, r in enumerate(world.reports)
    )
    pairs = list(zip(cases, world.reports, strict=True))
    CaseRecipientOrganisation.objects.bulk_create(
        CaseRecipientOrganisation(case=c, organisation=orgs[o])
        for c, r in pairs
        for o in r.recipient_organisations
    )
    CaseRecipientUser.objects.bulk_create(
        CaseRecipientUser(case=c, user=users[u]) for c, r in pairs for u in r.recipient_people
    )
    CaseComment.objects.bulk_create(
        CaseComment(case=c, organisation=c.organisation, body="Same here.") for c, _ in pairs
    )
    actors = [
        Actor.from_user(u, strong=p.second_factor) for u, p in zip(users, world.people, strict=True)
    ]
    return [*actors, Actor.anonymous()], cases


def check(world: World) -> None:
    actors, cases = create(world)
    # Only this example's rows: the persona world of the other tests may be in the database.
    mine = Case.objects.filter(pk__in=[case.pk for case in cases])
    whos = [*range(len(world.people)), None]
    for who, actor in zip(whos, actors, strict=True):
        for action in ACTIONS:
            got = set(visible(actor, mine, action).values_list("pk", flat=True))
            want = {
                case.pk
                for case, report in zip(cases, world.reports, strict=True)
                if expected(world, who, report, action)
            }
            assert got == want, (who, action)
        comments = CaseComment.objects.filter(case__in=mine)
        seen = set(visible(actor, comments).values_list("case_id", flat=True))
        assert seen == {
            case.pk
            for case, report in zip(cases, world.reports, strict=True)
            if may_see(world, who, report)
        }, (who, "comments")


@pytest.mark.django_db
@pytest.mark.parametrize("known", KNOWN_HARD)
def test_known_hard_worlds(known):
    with transaction.atomic():
        check(known)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_visible_matches_the_tlp_table(world):
    # Each example writes its own rows and rolls them back, so examples never meet.
    with transaction.atomic():
        check(world)
        transaction.set_rollback(True)
