"""The persona world: member cities, people in every role and cases at every sharing level.

`build_world()` writes a small, fixed network straight into the database (no services, so
nothing but the rows themselves can influence what the access policy decides) and returns
a `World` with every persona and record by name. The access tests use it; any test that
needs "who sees what" can too::

    from tests.world import build_world, in_memory_storage

    @pytest.fixture
    def persona_world(db):
        with in_memory_storage():
            yield build_world()

Attachments are real files (a few bytes each), saved to the default storage: build the
world inside `in_memory_storage()` so no test writes to the data directory.

Organisations (`World.organisations`): ``lyon``, ``munich`` and ``gothenburg`` (verified),
``unverified`` (Pilsen, not verified yet) and ``public_record`` (no users).

Personas (`World.actors`, each an `Actor` signed in with two factors unless said otherwise;
the person behind each is `World.users[name]`):

========================  ==================================================================
persona                   who
========================  ==================================================================
anonymous                 a visitor who is not signed in
outsider                  signed in (two factors), no organisation
operator                  staff (``is_staff``), no organisation
moderator                 network moderator (``is_moderator``), no organisation
lyon_admin                admin of Lyon (FR)
lyon_author               officer of Lyon; writes Lyon's cases
lyon_officer              another officer of Lyon; named recipient of Gothenburg's red case
lyon_author_no2fa         lyon_author signed in without a second factor
munich_admin              admin of Munich (DE)
munich_officer            officer of Munich; named recipient of Lyon's red cases
munich_officer2           another officer of Munich
gothenburg_admin          admin of Gothenburg (SE)
gothenburg_author         officer of Gothenburg; writes Gothenburg's anonymous cases
gothenburg_officer        another officer of Gothenburg
unverified_officer        officer of Pilsen (CZ), an organisation not verified yet
========================  ==================================================================

Cases (key in `World.cases`; tlp ``amber-strict`` is spelled ``amber_strict`` in keys):

- ``lyon_<tlp>_<state>``: by lyon_author, every level × every state (25 cases). Amber ones
  are shared with Munich, red ones with munich_officer.
- ``gothenburg_anon_<tlp>``: published, anonymous, by gothenburg_author. Amber is shared
  with Lyon, red with lyon_officer.
- ``unverified_green``, ``unverified_clear``: published by unverified_officer.
- ``public_record``: a published TLP:CLEAR case of the "public record" organisation.

Every case has one comment, one attachment and one revision (`World.comments[key]`, …).
There are also pending invitations to Lyon and Munich, audit events owned by Lyon and
Munich, and a TLP:CLEAR and a TLP:AMBER partnership with one source each, so every model
with an access rule has rows (tests/access/test_consistency.py insists on it: a new rule
for a new model means a few rows of it here).

Surveys (`World.surveys`, `.campaigns`, `.responses`, `.participations`, `.staffing`): the
built-in directors' poll in three campaigns, one per anonymity mode (see `_surveys`), and
two Foreign Affairs Office staffing figures for Beijing.
"""

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db.models import Model
from django.test import override_settings
from django.utils import timezone

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.accounts.models import Invitation, Organisation, User
from twinwise.agreements.models import AgreementDraft, AgreementReview
from twinwise.cases.models import (
    Case,
    CaseAttachment,
    CaseComment,
    CaseRecipientOrganisation,
    CaseRecipientUser,
    CaseRevision,
)
from twinwise.partnerships.models import Partnership, PartnershipSource
from twinwise.peers.models import DigestSetting, Introduction, Notification, Watch
from twinwise.similar.models import CaseEmbedding
from twinwise.surveys.models import (
    Campaign,
    CampaignOrganisation,
    CounterpartStaffing,
    Participation,
    Response,
    Survey,
)

TLP_LEVELS = ("red", "amber-strict", "amber", "green", "clear")
STATES = ("draft", "pending", "returned", "published", "withdrawn")


def key(tlp: str) -> str:
    """A sharing level as it appears in case keys: amber-strict → amber_strict."""
    return tlp.replace("-", "_")


@contextmanager
def in_memory_storage() -> Iterator[None]:
    """Keep uploaded files in memory while the block runs (attachments of the world)."""
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        yield


@dataclass
class World:
    """Every persona and record of the world, by name."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    comments: dict[str, CaseComment] = field(default_factory=dict)
    attachments: dict[str, CaseAttachment] = field(default_factory=dict)
    revisions: dict[str, CaseRevision] = field(default_factory=dict)
    audit_events: dict[str, AuditEvent] = field(default_factory=dict)
    partnerships: dict[str, Partnership] = field(default_factory=dict)
    sources: dict[str, PartnershipSource] = field(default_factory=dict)
    embeddings: dict[str, CaseEmbedding] = field(default_factory=dict)

    invitations: dict[str, Invitation] = field(default_factory=dict)
    agreement_reviews: dict[str, AgreementReview] = field(default_factory=dict)
    agreement_drafts: dict[str, AgreementDraft] = field(default_factory=dict)
    introductions: dict[str, Introduction] = field(default_factory=dict)
    watches: dict[str, Watch] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    digest_settings: dict[str, DigestSetting] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)
    participations: dict[str, Participation] = field(default_factory=dict)
    staffing: dict[str, CounterpartStaffing] = field(default_factory=dict)

    def groups(self) -> tuple[dict[str, Model], ...]:
        """The named records, one mapping per model."""
        return (
            self.organisations,
            self.users,
            self.invitations,
            self.cases,
            self.comments,
            self.attachments,
            self.revisions,
            self.audit_events,
            self.partnerships,
            self.sources,
            self.embeddings,
            self.agreement_reviews,
            self.agreement_drafts,
            self.introductions,
            self.watches,
            self.notifications,
            self.digest_settings,
            self.surveys,
            self.campaigns,
            self.responses,
            self.participations,
            self.staffing,
        )

    def records(self) -> list[Model]:
        """Every record of the world (people, cases and their children, audit, registry)."""
        return [obj for group in self.groups() for obj in group.values()]

    def name_of(self, obj: Model) -> str:
        """The world's name for a record (for readable failure messages)."""
        for group in self.groups():
            for name, candidate in group.items():
                if type(candidate) is type(obj) and candidate.pk == obj.pk:
                    return f"{type(obj).__name__}:{name}"
        return repr(obj)


MEMBERS = (
    ("lyon_admin", "lyon", "admin"),
    ("lyon_author", "lyon", "officer"),
    ("lyon_officer", "lyon", "officer"),
    ("munich_admin", "munich", "admin"),
    ("munich_officer", "munich", "officer"),
    ("munich_officer2", "munich", "officer"),
    ("gothenburg_admin", "gothenburg", "admin"),
    ("gothenburg_author", "gothenburg", "officer"),
    ("gothenburg_officer", "gothenburg", "officer"),
    ("unverified_officer", "unverified", "officer"),
)


def _organisation(slug: str, name: str, iso2: str, *, population: int, **extra) -> Organisation:
    place = factories.place(name, iso2, population=population)
    return Organisation.objects.create(
        slug=slug,
        name=f"{name} international office",
        place=place,
        country=place.country,
        population=population,
        **extra,
    )


def _user(username: str, organisation: Organisation | None = None, role: str = "", **flags) -> User:
    user = User(username=username, organisation=organisation, role=role, **flags)
    user.set_unusable_password()
    user.save()
    return user


def _people(world: World) -> None:
    orgs = world.organisations
    orgs["lyon"] = _organisation("lyon", "Lyon", "FR", population=522_000, verified=True)
    orgs["munich"] = _organisation("munich", "Munich", "DE", population=1_510_000, verified=True)
    orgs["gothenburg"] = _organisation(
        "gothenburg", "Gothenburg", "SE", population=600_000, verified=True
    )
    orgs["unverified"] = _organisation("pilsen", "Pilsen", "CZ", population=175_000)
    orgs["public_record"] = Organisation.objects.create(
        slug="public-record",
        name="Public record",
        country=factories.country("FR"),
        verified=True,
        is_public_record=True,
    )
    users = world.users
    for username, organisation, role in MEMBERS:
        users[username] = _user(username, orgs[organisation], role)
    users["moderator"] = _user("moderator", is_moderator=True)
    users["operator"] = _user("operator", is_staff=True)
    users["outsider"] = _user("outsider")

    for city in ("lyon", "munich"):
        world.invitations[city] = Invitation.objects.create(
            organisation=orgs[city],
            email=f"new.colleague@{city}.example.org",
            token_hash=hashlib.sha256(city.encode()).hexdigest(),
            invited_by=users[f"{city}_admin"],
            expires_at=timezone.now() + timedelta(days=7),
        )

    world.actors["anonymous"] = Actor.anonymous()
    for name, user in users.items():
        world.actors[name] = Actor.from_user(user, strong=True)
    world.actors["lyon_author_no2fa"] = Actor.from_user(users["lyon_author"], strong=False)


def _case(
    world: World,
    name: str,
    *,
    organisation: str,
    author: str | None,
    tlp: str,
    state: str,
    anonymous: bool = False,
    recipient_organisation: str | None = None,
    recipient_user: str | None = None,
) -> Case:
    author_user = world.users[author] if author else None
    case = Case.objects.create(
        external_id=f"world-{name}",
        organisation=world.organisations[organisation],
        author=author_user,
        title=f"World case {name}",
        occurred_year=2024,
        case_type="other",
        summary=f"What happened in {name}.",
        tlp=tlp,
        state=state,
        anonymous=anonymous,
    )
    if recipient_organisation:
        CaseRecipientOrganisation.objects.create(
            case=case, organisation=world.organisations[recipient_organisation]
        )
    if recipient_user:
        CaseRecipientUser.objects.create(case=case, user=world.users[recipient_user])
    world.cases[name] = case
    _children(world, name, case, author_user)
    return case


def _children(world: World, name: str, case: Case, author: User | None) -> None:
    world.comments[name] = CaseComment.objects.create(
        case=case, author=author, organisation=case.organisation, body="We had the same letter."
    )
    content = f"Notes on {name}.\n".encode()
    world.attachments[name] = CaseAttachment.objects.create(
        case=case,
        uploaded_by=author,
        file=ContentFile(content, name=f"{name}.txt"),
        original_name=f"{name}.txt",
        content_type="text/plain",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    world.revisions[name] = CaseRevision.objects.create(
        case=case,
        author=author,
        action="create",
        changed_fields=["title"],
        snapshot={"title": case.title},
    )
    # A stored vector (zeros: the policy, not the model, is under test here).
    world.embeddings[name] = CaseEmbedding.objects.create(
        case=case, vector=bytes(1024), model="test", text_hash=name
    )


def _cases(world: World) -> None:
    for tlp, state in itertools.product(TLP_LEVELS, STATES):
        _case(
            world,
            f"lyon_{key(tlp)}_{state}",
            organisation="lyon",
            author="lyon_author",
            tlp=tlp,
            state=state,
            recipient_organisation="munich" if tlp == "amber" else None,
            recipient_user="munich_officer" if tlp == "red" else None,
        )
    for tlp in TLP_LEVELS:
        _case(
            world,
            f"gothenburg_anon_{key(tlp)}",
            organisation="gothenburg",
            author="gothenburg_author",
            tlp=tlp,
            state="published",
            anonymous=True,
            recipient_organisation="lyon" if tlp == "amber" else None,
            recipient_user="lyon_officer" if tlp == "red" else None,
        )
    for tlp in ("green", "clear"):
        _case(
            world,
            f"unverified_{tlp}",
            organisation="unverified",
            author="unverified_officer",
            tlp=tlp,
            state="published",
        )
    _case(
        world,
        "public_record",
        organisation="public_record",
        author=None,
        tlp="clear",
        state="published",
    )


def _audit_and_registry(world: World) -> None:
    for owner, case in (("lyon", "lyon_red_published"), ("munich", None)):
        world.audit_events[owner] = AuditEvent.objects.create(
            owner=world.organisations[owner],
            user=world.users[f"{owner}_admin"],
            username=f"{owner}_admin",
            case=world.cases.get(case) if case else None,
            case_ref=case or "",
            action="read",
        )
    lyon = world.organisations["lyon"].place
    beijing = factories.place("Beijing", "CN", population=18_960_744, names_zh="北京")
    for tlp in ("clear", "amber"):
        tie = factories.partnership(lyon, beijing, tlp=tlp, external_id=f"world-tie-{tlp}")
        world.partnerships[tlp] = tie
        world.sources[tlp] = PartnershipSource.objects.create(
            partnership=tie, role="listing", dataset="world", title=f"Source of the {tlp} tie"
        )


# Saved agreement reviews: (name, organisation, author, tlp); one draft each.
REVIEWS = (
    ("lyon_red", "lyon", "lyon_author", "red"),
    ("lyon_amber_strict", "lyon", "lyon_author", "amber-strict"),
    ("lyon_green", "lyon", "lyon_officer", "green"),
    ("lyon_clear", "lyon", "lyon_author", "clear"),
    ("munich_red", "munich", "munich_officer", "red"),
)


def _agreement_reviews(world: World) -> None:
    report = {"document": {}, "clauses": [], "summary": {}}
    for name, org, author, tlp in REVIEWS:
        review = AgreementReview.objects.create(
            organisation=world.organisations[org],
            author=world.users[author],
            title=f"Review {name}",
            tlp=tlp,
        )
        world.agreement_reviews[name] = review
        world.agreement_drafts[name] = AgreementDraft.objects.create(
            review=review,
            number=1,
            name="mou.txt",
            sha256="0" * 64,
            language="en",
            text="Article 1",
            report=report,
        )


def _peers(world: World) -> None:
    """Introductions (named, anonymous, accepted), watches, notifications, digest settings."""
    orgs, users, cases = world.organisations, world.users, world.cases
    for name, requester, target, case, state in (
        ("munich_to_lyon", "munich_officer", "lyon", "lyon_green_published", "pending"),
        (
            "lyon_to_gothenburg_anon",
            "lyon_officer",
            "gothenburg",
            "gothenburg_anon_green",
            "pending",
        ),
        (
            "munich_to_gothenburg_accepted",
            "munich_admin",
            "gothenburg",
            "gothenburg_anon_clear",
            "accepted",
        ),
    ):
        world.introductions[name] = Introduction.objects.create(
            requester=users[requester],
            requester_organisation=users[requester].organisation,
            target=orgs[target],
            case=cases[case],
            anonymous=cases[case].anonymous,
            state=state,
        )
    world.watches["lyon_author_topic"] = Watch.objects.create(
        user=users["lyon_author"], kind="topic", topic="tibet"
    )
    world.watches["munich_officer_case"] = Watch.objects.create(
        user=users["munich_officer"], kind="case", case=cases["lyon_amber_published"]
    )
    world.notifications["lyon_author_case"] = Notification.objects.create(
        user=users["lyon_author"], kind="case", case=cases["gothenburg_anon_green"]
    )
    world.notifications["lyon_admin_intro"] = Notification.objects.create(
        user=users["lyon_admin"],
        kind="intro-requested",
        introduction=world.introductions["munich_to_lyon"],
    )
    for name, frequency in (("lyon_author", "daily"), ("munich_admin", "weekly")):
        world.digest_settings[name] = DigestSetting.objects.create(
            user=users[name], frequency=frequency
        )


def build_world() -> World:
    """Create the persona world (see the module docstring) and return it."""
    if isinstance(storages["default"], FileSystemStorage):
        raise RuntimeError("build_world() saves attachments: call it inside in_memory_storage().")
    world = World()
    _people(world)
    _cases(world)
    _audit_and_registry(world)
    _agreement_reviews(world)
    _peers(world)
    _surveys(world)
    return world


def _surveys(world: World) -> None:
    """Survey campaigns in each anonymity mode, with responses and participations.

    ``identified_2025`` (closed, all members): Lyon and Munich submitted.
    ``peers_2026`` (open, Lyon and Pilsen only): Lyon's draft.
    ``full_2027`` (open, all members): Munich submitted (an anonymous row), Gothenburg's draft.
    """
    orgs, now = world.organisations, timezone.now()
    world.surveys["poll"] = Survey.objects.get(slug="directors-poll")
    world.surveys["draft"] = Survey.objects.create(slug="world-draft", title="Unopened survey")
    specs = {"identified_2025": ("identified", "closed"), "peers_2026": ("peers", "open")}
    specs["full_2027"] = ("full", "open")
    for name, (anonymity, state) in specs.items():
        world.campaigns[name] = Campaign.objects.create(
            survey=world.surveys["poll"],
            year=int(name[-4:]),
            anonymity=anonymity,
            state=state,
            all_organisations=name != "peers_2026",
        )
    for org in ("lyon", "unverified"):
        CampaignOrganisation.objects.create(
            campaign=world.campaigns["peers_2026"], organisation=orgs[org]
        )
    answers = {"relationship": "good"}

    def respond(name, campaign, org, state):
        world.responses[name] = Response.objects.create(
            campaign=world.campaigns[campaign],
            organisation=orgs[org] if org else None,
            state=state,
            answers=answers,
            updated_at=now if org else None,
        )

    respond("lyon_2025", "identified_2025", "lyon", "submitted")
    respond("munich_2025", "identified_2025", "munich", "submitted")
    respond("lyon_2026_draft", "peers_2026", "lyon", "draft")
    respond("anonymous_2027", "full_2027", None, "submitted")
    respond("gothenburg_2027_draft", "full_2027", "gothenburg", "draft")
    for name, campaign, org in (
        ("lyon_2025", "identified_2025", "lyon"),
        ("munich_2025", "identified_2025", "munich"),
        ("munich_2027", "full_2027", "munich"),
    ):
        world.participations[name] = Participation.objects.create(
            campaign=world.campaigns[campaign], organisation=orgs[org], submitted_at=now
        )
    beijing = world.partnerships["clear"].counterpart
    for name, staff in (("beijing_2020", 300), ("beijing_2024", 350)):
        world.staffing[name] = CounterpartStaffing.objects.create(
            place=beijing, staff=staff, year=int(name[-4:]), source="World figure"
        )
