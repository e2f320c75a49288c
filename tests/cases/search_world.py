"""The persona world plus a few reports with real prose, shared by the search, API and
import/export tests. Import the fixture into a test module:

    from tests.cases.search_world import search_world_fixture  # noqa: F401

It is built once per module and rolled back at its end; tests that write must use their own
rows (function-scoped `db`).
"""

import pytest
from django.db import transaction

from tests.world import build_world, in_memory_storage
from twinwise.cases.models import Case

PROSE = {
    # key: (organisation, tlp, anonymous, fields)
    "munich_film": (
        "munich",
        "green",
        False,
        {
            "title": "Konsulat verlangt Absage einer Filmvorführung über Tibet",
            "summary": "Das Generalkonsulat schrieb an den Oberbürgermeister und verlangte, "
            "die Vorführung im Stadtmuseum abzusagen.",
            "response": "Die Stadt lehnte ab; die Städtepartnerschaft blieb bestehen.",
            "counterpart_kind": "consulate",
            "counterpart_name": "Generalkonsulat der Volksrepublik China in München",
            "case_type": "demand",
            "topics": ["tibet", "culture"],
            "response_type": "declined",
            "occurred_on": "2021-02",
            "occurred_year": 2021,
            "language": "de",
        },
    ),
    "lyon_flag": (
        "lyon",
        "clear",
        False,
        {
            "title": "Le consulat demande de retirer un drapeau tibétain de la mairie",
            "summary": "Une lettre du consulat général exigeait le retrait du drapeau pendant "
            "les manifestations du 10 mars.",
            "response": "La ville a refusé et a informé le ministère.",
            "counterpart_kind": "consulate",
            "counterpart_name": "Consulat général de Chine à Lyon",
            "case_type": "demand",
            "topics": ["tibet"],
            "response_type": "declined",
            "occurred_on": "2019-03-10",
            "occurred_year": 2019,
            "language": "fr",
        },
    ),
    # Mentions the consulate only in its prose, many times: must rank after title hits.
    "lyon_visit": (
        "lyon",
        "clear",
        False,
        {
            "title": "Visite d'une délégation économique",
            "summary": "Le consulat a organisé la visite; le consulat a choisi les entreprises; "
            "le consulat a payé le voyage; le consulat a rédigé le communiqué.",
            "counterpart_kind": "consulate",
            "counterpart_name": "Consulat général de Chine à Lyon",
            "case_type": "offer",
            "topics": ["trade-investment"],
            "response_type": "complied",
            "occurred_on": "2023",
            "occurred_year": 2023,
            "language": "fr",
        },
    ),
    # A red report whose words nobody but Lyon's author, admins and munich_officer may find.
    "lyon_secret": (
        "lyon",
        "red",
        False,
        {
            "title": "Zebrafinch surveillance of diaspora students",
            "summary": "Zebrafinch is a code word used only in this red report.",
            "counterpart_kind": "united-front",
            "counterpart_name": "Secret counterpart Zebrafinch",
            "case_type": "surveillance",
            "topics": ["diaspora", "xinjiang"],
            "response_type": "escalated-national",
            "occurred_on": "2024-05",
            "occurred_year": 2024,
        },
    ),
    # Anonymous and green: Gothenburg's country must not show to other members.
    "gothenburg_threat": (
        "gothenburg",
        "green",
        True,
        {
            "title": "Threat after a Taiwan delegation visit",
            "summary": "An embassy official warned of consequences for the port.",
            "counterpart_kind": "embassy",
            "counterpart_name": "Embassy of the PRC",
            "case_type": "threat",
            "topics": ["taiwan"],
            "response_type": "ignored",
            "occurred_on": "2022",
            "occurred_year": 2022,
        },
    ),
}

AUTHORS = {"munich": "munich_officer", "lyon": "lyon_author", "gothenburg": "gothenburg_author"}


def add_prose(world) -> None:
    for key, (org, tlp, anonymous, fields) in PROSE.items():
        case = Case.objects.create(
            external_id=f"prose-{key}",
            organisation=world.organisations[org],
            author=world.users[AUTHORS[org]],
            tlp=tlp,
            anonymous=anonymous,
            state="published",
            **fields,
        )
        if tlp == "red":
            case.recipient_users.add(world.users["munich_officer"])
        world.cases[key] = case


@pytest.fixture(scope="module", name="search_world")
def search_world_fixture(django_db_setup, django_db_blocker):
    """`tests.world.build_world()` plus PROSE, shared by a module's tests (don't write)."""
    with django_db_blocker.unblock(), in_memory_storage(), transaction.atomic():
        world = build_world()
        add_prose(world)
        yield world
        transaction.set_rollback(True)
