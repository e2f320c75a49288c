"""Who may do what with surveys (docs/access.md "Surveys"), as tables over the persona world.

Campaigns (tests/world.py `_surveys`): ``identified_2025`` is closed and was opened to every
verified member; ``peers_2026`` is open, anonymous to peers, opened to Lyon and Pilsen only;
``full_2027`` is open, fully anonymous, opened to every verified member. Coordinators are the
moderator and the operator.
"""

import pytest

from tests.access.test_matrix import COLUMNS, allowed, parse, render

pytestmark = pytest.mark.django_db

CAMPAIGNS = """
record                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
campaign:identified_2025      ....  ....  ....  vm.r  vm.r  v..r  v..r  v..r  v..r  v..r  v..r  v..r  v..r  ....
campaign:peers_2026           ....  ....  ....  vm.r  vm.r  v.ar  v.ar  v.ar  ....  ....  ....  ....  ....  v.ar
campaign:full_2027            ....  ....  ....  vm.r  vm.r  v.ar  v.ar  v.ar  v.ar  v.ar  v.ar  v.ar  v.ar  ....
"""

RESPONSES = """
record                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
response:lyon_2025            ....  ....  ....  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  ....
response:munich_2025          ....  ....  ....  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  v..t  ....
response:lyon_2026_draft      ....  ....  ....  ....  ....  ves.  ve..  ve..  ....  ....  ....  ....  ....  ....
response:anonymous_2027       ....  ....  ....  ...t  ...t  ...t  ...t  ...t  ...t  ...t  ...t  ...t  ...t  ....
response:gothenburg_2027_draft ....  ....  ....  ....  ....  ....  ....  ....  ....  ....  ....  ves.  ve..  ....
"""

OTHERS = """
record                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
survey:poll                   ..    ..    ..    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.
survey:draft                  ..    ..    ..    ve    ve    v.    v.    v.    v.    v.    v.    v.    v.    v.
participation:lyon_2025       ..    ..    ..    v.    v.    v.    v.    v.    ..    ..    ..    ..    ..    ..
participation:munich_2027     ..    ..    ..    v.    v.    ..    ..    ..    v.    v.    v.    ..    ..    ..
staffing:beijing_2024         ..    ..    ..    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.
"""

KINDS = {
    "campaign": "campaigns",
    "response": "responses",
    "survey": "surveys",
    "participation": "participations",
    "staffing": "staffing",
}


def check(world, spec: str, permissions) -> None:
    header, expected = parse(spec)
    records = {}
    for name, *_ in expected:
        kind, _, key = name.partition(":")
        records[name] = getattr(world, KINDS[kind])[key]
    rows = []
    for name, obj in records.items():
        cells = []
        for column in header:
            actor = world.actors[COLUMNS[column]]
            cells.append(
                "".join(
                    letter if obj.pk in allowed(actor, type(obj), action) else "."
                    for letter, action in permissions
                )
            )
        rows.append([name, *cells])
    assert render(header, rows) == render(header, expected)


def test_campaigns(persona_world):
    """v view, m manage (close, remind, see who took part), a answer, r read the results."""
    check(
        persona_world,
        CAMPAIGNS,
        (("v", "view"), ("m", "manage"), ("a", "answer"), ("r", "results")),
    )


def test_responses(persona_world):
    """v view one by one, e edit, s submit, t counted in the actor's results.

    Identified: members see each other's answers. Anonymous to peers: coordinators see who
    answered what, members only their own. Fully anonymous: a submitted response has no
    organisation and no one views it — it is only counted.
    """
    check(
        persona_world,
        RESPONSES,
        (("v", "view"), ("e", "edit"), ("s", "submit"), ("t", "tally")),
    )


def test_surveys_participations_and_staffing(persona_world):
    """Surveys: v view, e edit (coordinators, never the built-in one or an opened one).
    Participations: v (coordinators, and the organisation itself). Staffing: v (members)."""
    check(persona_world, OTHERS, (("v", "view"), ("e", "edit")))


@pytest.mark.parametrize(
    ("persona", "build", "open_campaign", "record_staffing"),
    [
        ("anonymous", False, False, False),
        ("outsider", False, False, False),
        ("lyon_author_no2fa", False, False, False),
        ("operator", True, True, True),
        ("moderator", True, True, True),
        ("lyon_admin", False, False, True),
        ("unverified_officer", False, False, True),
    ],
)
def test_who_creates(persona_world, persona, build, open_campaign, record_staffing):
    """Coordinators build surveys and open campaigns; members and coordinators record staffing."""
    from twinwise.access.policy import can_model
    from twinwise.surveys.models import Campaign, CounterpartStaffing, Survey

    actor = persona_world.actors[persona]
    assert can_model(actor, Survey, "create") is build
    assert can_model(actor, Campaign, "create") is open_campaign
    assert can_model(actor, CounterpartStaffing, "create") is record_staffing
