"""The demo network: a few member cities, users of every role and cases at every sharing
level, so that a person trying twinwise (or the browser journeys) can sign in and see how
sharing works. Demo data only: refused under production settings.

Everything is created through the real services (case_create, case_update, case_submit,
case_moderate, comment_create) with each user's own Actor, so the history and the audit log
are the ones a real network would have. Running it twice changes nothing: organisations are
found by slug, users by username and cases by external_id. Demo users get the known demo
password and a confirmed TOTP device whose secret is fixed (derived from the username), so
the logins printed by `twinwise demo` always work.

The stories are fictional, written after the situations in DOMAIN.md; the organisations are
marked "(demo)" so that no one mistakes them for the real cities' offices.
"""

import base64
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import Organisation, User
from twinwise.cases import services
from twinwise.cases.attachments import attachment_create
from twinwise.cases.models import Case, CaseAttachment
from twinwise.core.errors import UserFacingError
from twinwise.core.pdf import assemble
from twinwise.directory.models import Country, Place
from twinwise.directory.resolution import normalise_name
from twinwise.partnerships.selectors import partnerships_of_place
from twinwise.peers.demo import demo_peers

# Published on purpose (README, `twinwise demo`): demo accounts never exist in production.
DEMO_PASSWORD = "twinwise-demo-password"  # noqa: S105
DEVICE_NAME = "Demo authenticator"
EXTERNAL_ID_PREFIX = "demo-"


# -- who ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    city: str
    country: str
    population: int
    verified: bool = True


ORGANISATIONS = (
    DemoOrganisation(
        "munich", "City of Munich — International Affairs (demo)", "Munich", "DE", 1_512_000
    ),
    DemoOrganisation(
        "lyon", "City of Lyon — International Relations (demo)", "Lyon", "FR", 522_000
    ),
    DemoOrganisation(
        "gothenburg",
        "City of Gothenburg — International Office (demo)",
        "Gothenburg",
        "SE",
        604_000,
    ),
    DemoOrganisation(
        "vienna", "City of Vienna — International Relations (demo)", "Vienna", "AT", 2_005_000
    ),
    DemoOrganisation(
        "toronto", "City of Toronto — International Relations (demo)", "Toronto", "CA", 2_794_000
    ),
    # Not yet vetted by the network: sees only what anonymous visitors see of others' cases.
    DemoOrganisation(
        "porto",
        "City of Porto — International Relations (demo)",
        "Porto",
        "PT",
        232_000,
        verified=False,
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # officer, admin (of `organisation`), moderator or operator
    organisation: str = ""


USERS = (
    DemoUser("anna.weber", "Anna", "Weber", "admin", "munich"),
    DemoUser("lukas.bauer", "Lukas", "Bauer", "officer", "munich"),
    DemoUser("claire.martin", "Claire", "Martin", "admin", "lyon"),
    DemoUser("julien.moreau", "Julien", "Moreau", "officer", "lyon"),
    DemoUser("erik.lindqvist", "Erik", "Lindqvist", "admin", "gothenburg"),
    DemoUser("sara.nilsson", "Sara", "Nilsson", "officer", "gothenburg"),
    DemoUser("eva.gruber", "Eva", "Gruber", "officer", "vienna"),
    DemoUser("priya.shah", "Priya", "Shah", "officer", "toronto"),
    DemoUser("rui.costa", "Rui", "Costa", "officer", "porto"),
    DemoUser("moderator", "Network", "Moderator", "moderator"),
    DemoUser("operator", "Network", "Operator", "operator"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str
    password: str
    totp_secret: str  # base32, as authenticator apps take it


@dataclass
class DemoNetworkReport:
    organisations_created: int = 0
    users_created: int = 0
    cases_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def totp_key(username: str) -> str:
    """The fixed TOTP secret of a demo user, hex-encoded as django-otp stores it (20 bytes)."""
    return hashlib.sha256(f"twinwise-demo-totp:{username}".encode()).hexdigest()[:40]


def totp_secret(username: str) -> str:
    """The same secret in base32, the form an authenticator app asks for."""
    return base64.b32encode(bytes.fromhex(totp_key(username))).decode()


def demo_network_allowed() -> bool:
    """False under production settings (DEBUG off and the prod settings module)."""
    module = getattr(settings, "SETTINGS_MODULE", "") or ""
    return settings.DEBUG or not module.endswith(".prod")


# -- the stories -------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAttachment:
    filename: str
    title: str
    lines: tuple[str, ...]
    # Document metadata as an office's software leaves it; anonymous cases must not show it.
    author: str = ""


@dataclass(frozen=True)
class DemoCase:
    key: str  # external_id without the prefix
    author: str
    data: dict
    members: tuple[str, ...] = ()  # recipient organisations (amber)
    users: tuple[str, ...] = ()  # recipient users (red)
    attachment: DemoAttachment | None = None
    later: dict | None = None  # an edit before sharing, so the history has two entries
    submit: bool = True
    moderation: tuple[str, bool, str] | None = None  # (moderator, publish?, note)
    comments: tuple[tuple[str, str], ...] = ()
    partnership_with: str = ""  # the Chinese city of the tie this case concerns


CASES = (
    DemoCase(
        key="munich-tibet-film",
        author="lukas.bauer",
        data={
            "title": "Generalkonsulat bittet um Absage einer Filmvorführung über Tibet",
            "occurred_on": "2025-02",
            "counterpart_kind": "consulate",
            "counterpart_name": "Generalkonsulat der Volksrepublik China in München",
            "case_type": "demand",
            "topics": ["tibet", "culture"],
            "channel": "letter",
            "summary": (
                "Das Kulturreferat zeigt im März in einem städtischen Kino eine Filmreihe über "
                "Menschenrechte; ein Dokumentarfilm begleitet tibetische Familien im Exil. Zwei "
                "Wochen vor der Vorführung ging im Büro des Oberbürgermeisters ein Brief des "
                "Generalkonsulats ein."
            ),
            "demand": (
                "Die Stadt solle die Vorführung absagen, weil der Film „separatistische Kräfte“ "
                "unterstütze und die „Gefühle des chinesischen Volkes“ verletze. Der Brief "
                "erwähnt die guten Beziehungen der Stadt zu chinesischen Partnern, nennt aber "
                "keine konkreten Folgen."
            ),
            "response": (
                "Nach Rücksprache mit dem Rechtsreferat hat das Büro schriftlich geantwortet: Das "
                "Programm wählt eine unabhängige Jury aus, die Stadt nimmt auf Inhalte keinen "
                "Einfluss, die Vorführung findet wie geplant statt. Das Generalkonsulat wurde "
                "eingeladen, an der Diskussion nach dem Film teilzunehmen."
            ),
            "response_type": "declined",
            "language": "de",
            "tlp": "amber",
        },
        members=("lyon", "gothenburg"),
        attachment=DemoAttachment(
            "zusammenfassung-schreiben.pdf",
            "Zusammenfassung des Schreibens (Demo-Dokument)",
            (
                "Eingang: Februar 2025, Büro des Oberbürgermeisters",
                "Absender: Generalkonsulat der Volksrepublik China",
                "Bitte: Absage der Vorführung eines Dokumentarfilms über Tibet",
                "Antwort der Stadt: Vorführung findet wie geplant statt",
            ),
        ),
        later={
            "outcome": (
                "Die Vorführung fand statt und war ausverkauft. Das Generalkonsulat hat nicht "
                "geantwortet; weitere Folgen sind uns bisher nicht bekannt."
            ),
            "lessons": (
                "Eine kurze, sachliche Antwort mit Verweis auf die unabhängige Programmauswahl hat "
                "genügt. Hilfreich war, Rechtsreferat und Pressestelle früh einzubinden."
            ),
        },
        comments=(
            (
                "julien.moreau",
                "Merci pour ce partage. Le consulat a-t-il ensuite contacté directement le "
                "cinéma ?",
            ),
            (
                "sara.nilsson",
                "We had a phone call about a similar screening this spring. Your written answer "
                "is a good model — may we adapt its wording?",
            ),
            ("lukas.bauer", "Gerne — die Antwort ist im Anhang zusammengefasst."),
        ),
    ),
    DemoCase(
        key="lyon-tibet-film",
        author="julien.moreau",
        data={
            "title": "Le consulat demande l'annulation de la projection d'un film sur le Tibet",
            "occurred_on": "2025-02",
            "counterpart_kind": "consulate",
            "counterpart_name": "Consulat général de la République populaire de Chine à Lyon",
            "case_type": "demand",
            "topics": ["tibet", "culture"],
            "channel": "email",
            "summary": (
                "Une association culturelle organise, dans une salle municipale, la projection "
                "d'un documentaire sur le Tibet suivie d'un débat. La ville prête la salle et "
                "figure parmi les partenaires sur l'affiche."
            ),
            "demand": (
                "Par courriel au service des relations internationales, le consulat a demandé que "
                "la ville retire son soutien et annule la réservation de la salle, au nom du "
                "respect de « l'intégrité territoriale de la Chine »."
            ),
            "response": (
                "La ville a répondu qu'elle ne décide pas de la programmation des associations et "
                "que la réservation respecte le règlement habituel de prêt de salle. Le logo de "
                "la ville est resté sur l'affiche."
            ),
            "response_type": "declined",
            "outcome": (
                "La projection a eu lieu. Le consulat a ensuite décliné une invitation à une "
                "réception officielle de la ville, sans lien explicite avec la projection."
            ),
            "lessons": (
                "Répondre par écrit et brièvement, en s'appuyant sur les règles habituelles. "
                "Prévenir l'association organisatrice et le cabinet du maire dès réception."
            ),
            "language": "fr",
            "tlp": "green",
            "anonymous": True,
        },
        attachment=DemoAttachment(
            "courriel-consulat-resume.pdf",
            "Résumé du courriel reçu (document de démonstration)",
            (
                "Reçu : février 2025, service des relations internationales",
                "Demande : annuler la réservation de la salle municipale",
                "Réponse de la ville : la projection est maintenue",
            ),
            author="Julien Moreau, Ville de Lyon — Relations internationales",
        ),
        moderation=("moderator", True, "Publié : pas de données personnelles."),
        comments=(
            (
                "anna.weber",
                "Danke für den Bericht. Wir haben im selben Monat ein ähnliches Schreiben "
                "erhalten und ebenfalls abgelehnt.",
            ),
        ),
    ),
    DemoCase(
        key="gothenburg-tibet-film",
        author="sara.nilsson",
        data={
            "title": "Phone calls asking us to drop a Tibet documentary from the library film week",
            "occurred_on": "2025-03",
            "counterpart_kind": "embassy",
            "counterpart_name": "Embassy of the PRC in Sweden",
            "case_type": "demand",
            "topics": ["tibet", "culture"],
            "channel": "phone",
            "summary": (
                "The city library runs a film week on mountain communities; one documentary "
                "follows Tibetan nomad families. A member of the embassy's press section called "
                "the library director and, a day later, our international office."
            ),
            "demand": (
                "The caller asked that the film be taken out of the programme and said that "
                "showing it would “not help” the city's contacts in China. Nothing was sent in "
                "writing."
            ),
            "response": (
                "We wrote down both calls, informed the city director and the library board, and "
                "replied by email that the library sets its programme independently. We also "
                "informed the Ministry for Foreign Affairs for their overview."
            ),
            "response_type": "declined",
            "outcome": (
                "The screening took place. Two weeks later a planned visit by a provincial "
                "delegation to the port was postponed without explanation; we cannot say whether "
                "the two are connected."
            ),
            "lessons": (
                "Write phone calls down at once: date, time, the name given, what was asked. "
                "Shared as TLP:RED because the library staff asked not to be identified beyond a "
                "few colleagues in other cities."
            ),
            "language": "en",
            "tlp": "red",
        },
        users=("anna.weber", "claire.martin"),
        comments=(
            (
                "anna.weber",
                "Thank you for trusting us with this. It matches what we saw in Munich; would "
                "you be open to a short call between our offices?",
            ),
        ),
    ),
    DemoCase(
        key="vienna-taiwan-stand",
        author="eva.gruber",
        data={
            "title": "Embassy objects to a Taiwan stand at the city's tourism fair",
            "occurred_on": "2024-11",
            "counterpart_kind": "embassy",
            "counterpart_name": "Embassy of the PRC in Austria",
            "case_type": "demand",
            "topics": ["taiwan"],
            "channel": "email",
            "summary": (
                "The city co-hosts an international tourism fair with a private organiser. Among "
                "about 400 exhibitors, Taiwan's tourism bureau booked a stand labelled “Taiwan”."
            ),
            "demand": (
                "The embassy emailed our office and the organiser, asking that the stand be "
                "removed or renamed “Taipei, China”, and that no city official visit it."
            ),
            "response": (
                "We replied that exhibitors contract with the organiser, whose rules apply to "
                "everyone. The organiser kept the stand and its name; the deputy mayor's tour of "
                "the fair followed the usual route."
            ),
            "response_type": "declined",
            "outcome": "The fair took place as planned. The embassy did not reply.",
            "lessons": (
                "Agree with the fair organiser in advance who answers such requests. Kept within "
                "our office while the legal review of the co-hosting contract is pending."
            ),
            "language": "en",
            "tlp": "amber-strict",
        },
    ),
    DemoCase(
        key="vienna-belt-and-road",
        author="eva.gruber",
        data={
            "title": "Request to sign a joint declaration supporting the Belt and Road Initiative",
            "occurred_on": "2024-09",
            "counterpart_kind": "friendship-association",
            "counterpart_name": (
                "Chinese People's Association for Friendship with Foreign Countries (CPAFFC)"
            ),
            "case_type": "endorsement-request",
            "topics": ["belt-and-road"],
            "channel": "email",
            "summary": (
                "Ahead of an international forum of local governments in China, the organisers "
                "sent a draft joint declaration for all participating cities to sign. Our mayor "
                "had been invited to speak by video."
            ),
            "demand": (
                "The declaration commits the signatories to “actively support and take part in "
                "the Belt and Road Initiative” and to promote it in their own communications. "
                "The signed text was requested two weeks before the forum."
            ),
            "response": (
                "We declined to sign: the city does not sign declarations about other countries' "
                "foreign-policy initiatives. The mayor's video message on climate adaptation was "
                "offered without the declaration and accepted."
            ),
            "response_type": "declined",
            "outcome": (
                "The forum published the declaration with a list of cities; after we asked, our "
                "city was listed as a participant, not as a signatory."
            ),
            "lessons": (
                "Ask for the full text of any declaration before confirming participation, and "
                "check the published list of signatories afterwards."
            ),
            "language": "en",
            "tlp": "green",
        },
        moderation=("moderator", True, ""),
        comments=(
            (
                "priya.shah",
                "Helpful. We received a very similar draft for another forum and answered the "
                "same way.",
            ),
        ),
    ),
    DemoCase(
        key="lyon-school-exchange",
        author="claire.martin",
        data={
            "title": "A secondary-school exchange with Guangzhou that worked well",
            "occurred_on": "2024-10",
            "counterpart_kind": "city",
            "counterpart_name": "Guangzhou Municipal Education Bureau",
            "case_type": "positive-cooperation",
            "topics": ["education", "culture"],
            "channel": "meeting",
            "summary": (
                "Within the sister-city partnership, two secondary schools ran a two-week "
                "exchange: 18 pupils from Lyon visited Guangzhou in October and a group of the "
                "same size came in the spring. The pupils worked on a joint project on river "
                "restoration in both cities."
            ),
            "response": (
                "The international office coordinated travel-safety briefings, checks of host "
                "families and an agreement on the pupils' personal data; the schools kept the "
                "content of the programme in their own hands."
            ),
            "outcome": (
                "Both groups presented their river project at an event in the city hall. The "
                "teachers want to repeat the exchange every two years."
            ),
            "lessons": (
                "Write down beforehand who decides on content (the schools), collect only the "
                "personal data travel requires, and brief families on phones and social media "
                "abroad."
            ),
            "language": "en",
            "tlp": "clear",
        },
        partnership_with="Guangzhou",
        moderation=("moderator", True, ""),
        comments=(
            (
                "eva.gruber",
                "Thank you — could you share the data-protection agreement with the network?",
            ),
            ("claire.martin", "Yes: we will add an anonymised version next month."),
        ),
    ),
    DemoCase(
        key="toronto-partnership-review",
        author="priya.shah",
        data={
            "title": "Reviewing our partnership with Chongqing: what we looked at",
            "occurred_on": "2025-01",
            "counterpart_kind": "city",
            "counterpart_name": "Chongqing Municipal People's Government",
            "case_type": "partnership-change",
            "topics": ["human-rights", "trade-investment"],
            "summary": (
                "Council asked staff to review the city's international partnerships, "
                "including the one with Chongqing. We looked at ten years of activity, costs, "
                "who took part, the text of the agreement and the concerns residents raised."
            ),
            "response": (
                "The review found mostly trade missions and cultural events, no financial "
                "commitments and an agreement without political clauses. Staff recommended "
                "keeping the partnership with clear rules: public reports of visits, the city's "
                "normal gift limits, and a review every four years."
            ),
            "outcome": "Council adopted the recommendation; the partnership continues.",
            "lessons": (
                "A short, factual review template (activity, cost, agreement clauses, data, "
                "people involved) made the council debate calmer. We are happy to share it."
            ),
            "language": "en",
            "tlp": "amber",
        },
        members=("munich", "gothenburg", "vienna"),
        partnership_with="Chongqing",
        comments=(
            (
                "erik.lindqvist",
                "Useful. Our council's decision on Shanghai in 2020 followed a similar review; "
                "we can share the questions we used.",
            ),
        ),
    ),
    DemoCase(
        key="porto-study-trip",
        author="rui.costa",
        data={
            "title": "Offer of a sponsored study trip for council members",
            "occurred_on": "2025-04",
            "counterpart_kind": "friendship-association",
            "counterpart_name": "A provincial friendship association",
            "case_type": "offer",
            "topics": ["trade-investment"],
            "channel": "email",
            "summary": (
                "An invitation arrived for five council members to join a ten-day study trip on "
                "port logistics, with flights and hotels paid by the host. It named the council "
                "members personally, among them Councillor J. Silva."
            ),
            "response": "Not answered yet: the council's ethics officer is checking the gift rules.",
            "response_type": "pending",
            "language": "en",
            "tlp": "green",
        },
        moderation=(
            "moderator",
            False,
            "Please remove the councillor's name before this is shared with the network; "
            "describe the role instead (for example “a council member”).",
        ),
    ),
    DemoCase(
        key="munich-smart-city-draft",
        author="anna.weber",
        data={
            "title": "Einladung zu einem Smart-City-Forum in Shenzhen",
            "occurred_on": "2025-05",
            "counterpart_kind": "foreign-affairs-office",
            "counterpart_name": "Foreign Affairs Office of Shenzhen",
            "case_type": "offer",
            "topics": ["technology-security"],
            "channel": "email",
            "summary": (
                "Einladung für zwei Mitarbeitende des IT-Referats, Reise- und Hotelkosten "
                "übernimmt der Gastgeber. Entwurf: Bewertung durch die Compliance-Stelle steht "
                "noch aus."
            ),
            "language": "de",
            "tlp": "amber-strict",
        },
        submit=False,
    ),
)


# -- building it -------------------------------------------------------------------------


@transaction.atomic
def demo_network_create(*, actor: Actor) -> DemoNetworkReport:
    """Create (or complete) the demo network. Operators only; refused in production."""
    if not actor.is_staff:
        raise PermissionDenied("Only operators create the demo network.")
    if not demo_network_allowed():
        raise UserFacingError("the demo network is never created under production settings")
    validate_password(DEMO_PASSWORD)
    report = DemoNetworkReport()
    orgs = {spec.slug: _organisation(spec, report) for spec in ORGANISATIONS}
    users = {spec.username: _user(spec, orgs, report) for spec in USERS}
    for spec in CASES:
        if not Case.objects.filter(external_id=EXTERNAL_ID_PREFIX + spec.key).exists():
            _story(spec, users, orgs)
            report.cases_created += 1
    # Munich's saved review of a German draft MoU (agreement checker), in two drafts.
    from twinwise.agreements.demo import demo_review_create

    demo_review_create(organisation=orgs["munich"], user=users["lukas.bauer"])
    demo_peers(users=users, external_id_prefix=EXTERNAL_ID_PREFIX)
    report.logins = [_login(spec, orgs) for spec in USERS]
    return report


def _find_place(city: str, country: str) -> Place | None:
    """The largest place of that name in the country (demo cities are unambiguous)."""
    needle = f"|{normalise_name(city)}|"
    return (
        Place.objects.filter(country_id=country, search_text__contains=needle)
        .order_by("-population", "pk")
        .first()
    )


def _organisation(spec: DemoOrganisation, report: DemoNetworkReport) -> Organisation:
    org = Organisation.objects.filter(slug=spec.slug).first()
    if org is not None:
        return org
    if not Country.objects.filter(pk=spec.country).exists():
        raise UserFacingError(
            f"the country {spec.country} is not loaded; load countries and places first"
        )
    report.organisations_created += 1
    return Organisation.objects.create(
        slug=spec.slug,
        name=spec.name,
        place=_find_place(spec.city, spec.country),
        country_id=spec.country,
        population=spec.population,
        verified=spec.verified,
        contact_email=f"international-office@{spec.slug}.example",
    )


def _user(spec: DemoUser, orgs: dict[str, Organisation], report: DemoNetworkReport) -> User:
    """Create the user, or reset an existing demo user to the printed password and secret."""
    org = orgs.get(spec.organisation)
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        report.users_created += 1
        user = User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@{spec.organisation or 'network'}.example",
            organisation=org,
            role=spec.role if org is not None else "",
            is_moderator=spec.role == "moderator",
            is_staff=spec.role == "operator",
        )
    user.set_password(DEMO_PASSWORD)
    user.save()
    TOTPDevice.objects.update_or_create(
        user=user, name=DEVICE_NAME, defaults={"key": totp_key(spec.username), "confirmed": True}
    )
    return user


def _login(spec: DemoUser, orgs: dict[str, Organisation]) -> DemoLogin:
    org = orgs.get(spec.organisation)
    return DemoLogin(
        username=spec.username,
        role=spec.role,
        organisation=org.name if org is not None else "—",
        password=DEMO_PASSWORD,
        totp_secret=totp_secret(spec.username),
    )


def _story(spec: DemoCase, users: dict[str, User], orgs: dict[str, Organisation]) -> Case:
    """One case through the real workflow: draft, attachment, edit, share, moderation, comments."""

    def actor(username: str) -> Actor:
        return Actor.from_user(users[username], strong=True)

    author = actor(spec.author)
    recipients = {
        "members": [orgs[slug].pk for slug in spec.members],
        "users": [users[name].pk for name in spec.users],
    }
    case = services.case_create(actor=author, data=spec.data, recipients=recipients)
    # External id and partnership are not (yet) fields of the filing form.
    Case.objects.filter(pk=case.pk).update(
        external_id=EXTERNAL_ID_PREFIX + spec.key,
        partnership_id=_partnership(author, case.organisation, spec.partnership_with),
    )
    case.refresh_from_db()
    if spec.attachment is not None:
        _attach(author, case, spec.attachment)
    if spec.later:
        case = services.case_update(actor=author, case=case, data=spec.later)
    if spec.submit:
        case = services.case_submit(actor=author, case=case)
    if spec.moderation is not None:
        moderator, publish, note = spec.moderation
        case = services.case_moderate(actor=actor(moderator), case=case, publish=publish, note=note)
    for username, body in spec.comments:
        services.comment_create(actor=actor(username), case=case, body=body)
    return case


def _partnership(actor: Actor, org: Organisation, chinese_city: str) -> int | None:
    """The registry tie between the organisation's city and `chinese_city`, if there is one."""
    if not chinese_city or org.place is None:
        return None
    ties = partnerships_of_place(actor=actor, place=org.place).filter(
        counterpart__search_text__contains=f"|{normalise_name(chinese_city)}|"
    )
    return ties.values_list("pk", flat=True).first()


def _attach(actor: Actor, case: Case, spec: DemoAttachment) -> CaseAttachment:
    """Attach a small generated PDF while the case is a draft, through the upload service."""
    data = tiny_pdf(spec.title, spec.lines, author=spec.author)
    return attachment_create(actor=actor, case=case, upload=ContentFile(data, name=spec.filename))


# -- a one-page PDF, written by hand (no PDF library needed to make one) -----------------


def _pdf_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _pdf_info_text(text: str) -> str:
    """Document-information strings in UTF-16 (hex), so accents survive in any reader."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def tiny_pdf(title: str, lines: tuple[str, ...] | list[str], *, author: str = "") -> bytes:
    """A valid one-page PDF 1.4 with a title and a few lines (Latin-1 text, Helvetica)."""
    text = ["BT", "/F1 16 Tf", "72 770 Td", f"{_pdf_text(title)} Tj", "/F1 11 Tf"]
    for line in ["", *lines, "", "Demo data - twinwise"]:
        text += ["0 -20 Td", f"{_pdf_text(line)} Tj"]
    text.append("ET")
    stream = "\n".join(text).encode("cp1252", errors="replace")
    info = f"/Title {_pdf_info_text(title)} /Producer (twinwise demo)"
    if author:
        info += f" /Author {_pdf_info_text(author)}"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        f"<< {info} >>".encode("ascii"),
    ]
    return assemble(objects, root=1, info=6)
