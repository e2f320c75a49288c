"""A small poll world: seven member cities in four countries, an admin and an officer each,
a coordinator (network moderator), and the built-in directors' poll (installed by the
surveys migration)."""

from dataclasses import dataclass, field

import pytest

from tests import factories
from tests.accounts.conftest import make_user
from twinwise.access.actors import Actor
from twinwise.accounts.models import Organisation, User
from twinwise.surveys.builtin import install_current
from twinwise.surveys.models import Survey
from twinwise.surveys.services import campaign_open

CITIES = (
    # slug, name, iso2, population
    ("lyon", "Lyon", "FR", 522_000),
    ("nantes", "Nantes", "FR", 320_000),
    ("munich", "Munich", "DE", 1_510_000),
    ("essen", "Essen", "DE", 580_000),
    ("gothenburg", "Gothenburg", "SE", 600_000),
    ("linkoping", "Linköping", "SE", 165_000),
    ("boston", "Boston", "US", 667_000),
)


@dataclass
class Poll:
    survey: Survey
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, name: str) -> Actor:
        return Actor.from_user(self.users[name], strong=True)

    @property
    def coordinator(self) -> Actor:
        return self.actor("coordinator")

    def open(self, year: int = 2026, **kwargs):
        return campaign_open(actor=self.coordinator, survey=self.survey, year=year, **kwargs)


@pytest.fixture
def poll(db) -> Poll:
    install_current()  # idempotent: the migration installed it unless a flush removed it
    world = Poll(survey=Survey.objects.get(slug="directors-poll"))
    for slug, name, iso2, population in CITIES:
        place = factories.place(name, iso2, population=population)
        org = Organisation.objects.create(
            slug=slug,
            name=f"{name} international office",
            place=place,
            country=place.country,
            population=population,
            verified=True,
        )
        world.orgs[slug] = org
        world.users[f"{slug}_admin"] = make_user(f"{slug}_admin", org, "admin")
        world.users[f"{slug}_officer"] = make_user(f"{slug}_officer", org, "officer")
    world.orgs["pilsen"] = Organisation.objects.create(
        slug="pilsen", name="Pilsen", country=factories.country("CZ"), population=175_000
    )
    world.users["coordinator"] = make_user("coordinator", is_moderator=True)
    world.users["outsider"] = make_user("outsider")
    factories.place("Shanghai", "CN", population=24_874_500, names_zh="上海", geonameid=1796236)
    return world


def answers(**overrides) -> dict:
    """A complete answer set (overrides replace single answers; None removes one)."""
    base = {
        "motivations": ["culture", "investment-trade"],
        "relationship": "good",
        "has_international_office": "yes",
        "international_staff_fte": 4,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}
