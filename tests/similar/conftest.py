"""A small network for the similar-cases tests: three cities, reports at several sharing
levels in English, German and French, embedded with the real model."""

import pytest

from tests.cases.pages_fixtures import actor, organisation, person
from twinwise.access.actors import Actor
from twinwise.cases import services
from twinwise.similar import index
from twinwise.similar.services import embeddings_compute

OPERATOR = Actor.operator()

TIBET_EN = {
    "title": "Consulate asks us to cancel a Tibet film screening",
    "occurred_on": "2025-02",
    "counterpart_kind": "consulate",
    "counterpart_name": "Consulate General of the PRC in Munich",
    "case_type": "demand",
    "topics": ["tibet", "culture"],
    "channel": "letter",
    "summary": "The consulate wrote to the mayor two weeks before a documentary about Tibet "
    "was to be shown in a municipal cinema.",
    "demand": "Cancel the screening because the film supports separatism.",
    "response": "We replied that the programme is chosen independently; the film was shown.",
    "response_type": "declined",
    "language": "en",
}
TIBET_DE = {
    "title": "Generalkonsulat fordert Absage eines Tibet-Films",
    "occurred_on": "2025-03",
    "counterpart_kind": "consulate",
    "counterpart_name": "Generalkonsulat der Volksrepublik China",
    "case_type": "demand",
    "topics": ["tibet"],
    "channel": "letter",
    "summary": "Das Generalkonsulat schrieb dem Oberbürgermeister vor der Vorführung eines "
    "Dokumentarfilms über Tibet im städtischen Kino.",
    "demand": "Die Stadt solle die Vorführung absagen.",
    "response": "Wir haben abgelehnt; der Film wurde gezeigt.",
    "response_type": "declined",
    "language": "de",
}
TIBET_FR = {
    "title": "Le consulat demande l'annulation d'un film sur le Tibet",
    "occurred_on": "2025-02",
    "counterpart_kind": "consulate",
    "counterpart_name": "Consulat général de Chine à Lyon",
    "case_type": "demand",
    "topics": ["tibet", "culture"],
    "channel": "email",
    "summary": "Le consulat a écrit à la mairie avant la projection d'un documentaire sur le "
    "Tibet dans une salle municipale.",
    "demand": "Annuler la projection du film.",
    "response": "La ville a refusé ; la projection a eu lieu.",
    "response_type": "declined",
    "language": "fr",
}
TRADE_EN = {
    "title": "Invitation to a trade fair in Shanghai with paid travel",
    "occurred_on": "2024-05",
    "counterpart_kind": "city",
    "counterpart_name": "Shanghai Municipal Government",
    "case_type": "offer",
    "topics": ["trade-investment"],
    "channel": "email",
    "summary": "The partner city invited our mayor to an investment fair and offered to pay "
    "flights and hotel.",
    "demand": "Attend the fair and sign a memorandum on investment.",
    "response": "We accepted the visit but paid our own travel.",
    "response_type": "negotiated",
    "language": "en",
}


def publish(author, data, **extra):
    a = actor(author)
    case = services.case_create(actor=a, data={**data, **extra})
    return services.case_submit(actor=a, case=case)


@pytest.fixture(autouse=True)
def fresh_index():
    """Each test's database starts empty: forget the previous test's index."""
    index.reset()
    yield
    index.reset()


@pytest.fixture
def simnet(db):
    lyon = organisation("lyon", "Lyon", "FR", population=520_000)
    munich = organisation("munich", "Munich", "DE", population=1_500_000)
    leipzig = organisation("leipzig", "Leipzig", "DE", population=600_000)
    outsider_org = organisation("gothenburg", "Gothenburg", "SE", verified=False)
    users = {
        "claire": person("claire.martin", lyon, "admin"),
        "anna": person("anna.weber", munich, "admin"),
        "lukas": person("lukas.bauer", munich),
        "jonas": person("jonas.koch", leipzig),
        "sara": person("sara.nilsson", outsider_org),
    }
    cases = {
        # amber-strict is published at once (no moderator): Munich only.
        "en": publish(users["lukas"], TIBET_EN, tlp="amber-strict"),
        "de": publish(users["jonas"], TIBET_DE, tlp="amber-strict"),
        "fr": publish(users["claire"], TIBET_FR, tlp="amber-strict"),
        "trade": publish(users["jonas"], TRADE_EN, tlp="amber-strict"),
    }
    embeddings_compute(actor=OPERATOR, case_ids=[c.pk for c in cases.values()])
    return {"users": users, "cases": cases, "orgs": {"lyon": lyon, "munich": munich}}


def share(case, tlp: str, anonymous: bool = False):
    """Change a published case's sharing level in place (a test shortcut for moderation)."""
    type(case).objects.filter(pk=case.pk).update(tlp=tlp, anonymous=anonymous)
    case.refresh_from_db()
    return case
