"""`can()` ≡ membership in `visible()`, for every persona × record × registered action.

Lists come from `visible()`, detail pages from `get_for()`, writes ask `require()`; if they
ever disagreed, a list could show what a page hides or a page serve what no list shows.
The actions are read from the policy's own registry (`explain()`), so a new rule is
checked here without anyone remembering to add it.
"""

from functools import cache

import pytest
from django.apps import apps
from django.http import Http404

from twinwise.access import policy
from twinwise.access.policy import PermissionDenied, can, explain, get_for, require, visible
from twinwise.cases.models import CaseAttachment, CaseComment, CaseRevision
from twinwise.similar.models import CaseEmbedding

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "outsider",
    "operator",
    "moderator",
    "lyon_admin",
    "lyon_author",
    "lyon_officer",
    "lyon_author_no2fa",
    "munich_admin",
    "munich_officer",
    "munich_officer2",
    "gothenburg_admin",
    "gothenburg_author",
    "gothenburg_officer",
    "unverified_officer",
)


CHILDREN = (CaseComment, CaseAttachment, CaseRevision, CaseEmbedding)
# `get_for` is checked on every record except the children of cases outside this sample
# (each child read costs a case subquery; the sample has, for every persona, children it
# sees and children it does not). `can()` is checked on every child.
GET_FOR_SAMPLE = (
    "lyon_red_draft",
    "lyon_amber_published",
    "lyon_green_pending",
    "lyon_clear_published",
    "gothenburg_anon_red",
)


def rules_by_model() -> dict[type, list[str]]:
    """Every registered (model, action), grouped by model."""
    found: dict[type, list[str]] = {}
    for entry in explain():
        found.setdefault(apps.get_model(entry.model_label), []).append(entry.action)
    return found


def records_of(world, model) -> list:
    return [obj for obj in world.records() if type(obj) is model]


def test_every_ruled_model_has_records_in_the_world(persona_world):
    """A rule for a model the world lacks would be checked against nothing: extend the world."""
    for model in rules_by_model():
        assert len(records_of(persona_world, model)) >= 2, model._meta.label


def test_personas_cover_the_world(persona_world):
    assert set(persona_world.actors) == set(PERSONAS)


@pytest.fixture
def rules_built_once(monkeypatch):
    """Build each rule's Q once per (actor, model, action) in this test.

    Rules are pure functions of the actor, and `visible()`, `can()` and `get_for()` all
    go through `condition()`; caching it leaves their own code paths untouched but saves
    rebuilding the same subqueries thousands of times.
    """
    monkeypatch.setattr(policy, "condition", cache(policy.condition))


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_equals_visible(persona_world, persona, rules_built_once, monkeypatch):
    actor = persona_world.actors[persona]
    sample = {persona_world.cases[name].pk for name in GET_FOR_SAMPLE}
    answers: dict[tuple[str, type, int], bool] = {}
    for model, actions in rules_by_model().items():
        records = records_of(persona_world, model)
        for action in actions:
            qs = visible(actor, model.objects.all(), action)
            ids = list(qs.values_list("pk", flat=True))
            assert len(ids) == len(set(ids)), f"{model.__name__}/{action} lists rows twice"
            assert set(ids) <= {obj.pk for obj in records}, "rows from outside the world"
            for obj in records:
                answer = can(actor, action, obj)
                assert answer == (obj.pk in ids), (persona, action, persona_world.name_of(obj))
                answers[action, model, obj.pk] = answer
        for obj in records:
            if model in CHILDREN and obj.case_id not in sample:
                continue
            seen = answers["view", model, obj.pk]
            check_get_for(actor, obj, seen, persona_world.name_of(obj))
    check_require(actor, answers, monkeypatch)


def check_get_for(actor, obj, seen: bool, name: str) -> None:
    """`get_for` finds exactly the visible records and 404s on the rest."""
    qs = type(obj).objects.all()
    if seen:
        assert get_for(actor, qs, pk=obj.pk) == obj, name
    else:
        with pytest.raises(Http404):
            get_for(actor, qs, pk=obj.pk)


def check_require(actor, answers, monkeypatch) -> None:
    """`require`: 404 when invisible, 403 when visible but not allowed, nothing otherwise.

    `can()` was just proven against `visible()` for these very triples, so `require` gets
    those answers instead of asking the database again (it keeps the run fast).
    """
    monkeypatch.setattr(policy, "can", lambda _, action, obj: answers[action, type(obj), obj.pk])
    for (action, model, pk), allowed in answers.items():
        obj = model(pk=pk)
        if not answers["view", model, pk]:
            with pytest.raises(Http404):
                require(actor, action, obj)
        elif not allowed:
            with pytest.raises(PermissionDenied):
                require(actor, action, obj)
        else:
            require(actor, action, obj)  # allowed: no exception


def test_get_for_with_an_action(persona_world):
    """`get_for(…, action)`: 404 when invisible, 403 when visible but not allowed."""
    world = persona_world
    author, colleague = world.actors["lyon_author"], world.actors["lyon_officer"]
    draft, returned = world.cases["lyon_green_draft"], world.cases["lyon_green_returned"]
    qs = type(draft).objects.all()
    assert get_for(author, qs, "edit", pk=draft.pk) == draft
    with pytest.raises(Http404):
        get_for(colleague, qs, "edit", pk=draft.pk)
    with pytest.raises(PermissionDenied):
        get_for(colleague, qs, "edit", pk=returned.pk)


def test_unknown_actions_are_denied(persona_world):
    """Default deny: an action without a rule is refused, even on public records."""
    case = persona_world.cases["lyon_clear_published"]
    operator = persona_world.actors["operator"]
    assert not can(operator, "delete", case)
    assert not visible(operator, type(case).objects.all(), "delete").exists()
    with pytest.raises(PermissionDenied):
        require(operator, "delete", case)
    with pytest.raises(Http404):
        require(
            persona_world.actors["anonymous"], "delete", persona_world.cases["lyon_red_published"]
        )
