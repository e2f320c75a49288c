"""Who sees, edits and deletes saved agreement reviews (TLP 2.0 without AMBER), as a table.

v: view; e: edit (add drafts, relabel); d: delete. Drafts follow their review.
"""

import pytest
from django.http import Http404

from tests.access.test_matrix import COLUMNS, render
from twinwise.access.policy import PermissionDenied, can_model, get_for, require, visible
from twinwise.agreements.models import AgreementDraft, AgreementReview

pytestmark = pytest.mark.django_db

REVIEWS = """
record                  anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
review:lyon_red         ...   ...   ...   ...   ...   ved   ved   ...   ...   ...   ...   ...   ...   ...
review:lyon_amber_strict ...  ...   ...   ...   ...   ved   ved   ve.   ...   ...   ...   ...   ...   ...
review:lyon_green       ...   ...   ...   ...   ...   ved   ve.   ved   v..   v..   v..   v..   v..   ...
review:lyon_clear       v..   v..   v..   v..   v..   ved   ved   ve.   v..   v..   v..   v..   v..   v..
review:munich_red       ...   ...   ...   ...   ...   ...   ...   ...   ved   ved   ...   ...   ...   ...
"""

PERMISSIONS = (("v", "view"), ("e", "edit"), ("d", "delete"))


def expected_rows():
    lines = [line.split() for line in REVIEWS.strip().splitlines()]
    return lines[0][1:], lines[1:]


def test_review_matrix(persona_world):
    header, rows = expected_rows()
    actual = []
    for name, *_cells in rows:
        obj = persona_world.agreement_reviews[name.split(":", 1)[1]]
        cells = []
        for column in header:
            actor = persona_world.actors[COLUMNS[column]]
            cells.append(
                "".join(
                    letter
                    if visible(actor, AgreementReview.objects.filter(pk=obj.pk), action).exists()
                    else "."
                    for letter, action in PERMISSIONS
                )
            )
        actual.append([name, *cells])
    assert render(["record", *header], actual) == render(["record", *header], rows)


def test_drafts_follow_their_review(persona_world):
    for persona, actor in persona_world.actors.items():
        reviews = set(visible(actor, AgreementReview.objects.all()).values_list("pk", flat=True))
        drafts = visible(actor, AgreementDraft.objects.all()).values_list("review_id", flat=True)
        assert set(drafts) == reviews, persona


def test_only_members_create_reviews(persona_world):
    makers = {p for p, a in persona_world.actors.items() if can_model(a, AgreementReview, "create")}
    assert makers == {
        "lyon_admin",
        "lyon_author",
        "lyon_officer",
        "munich_admin",
        "munich_officer",
        "munich_officer2",
        "gothenburg_admin",
        "gothenburg_author",
        "gothenburg_officer",
        "unverified_officer",
    }


def test_invisible_is_404_and_visible_but_not_allowed_is_403(persona_world):
    world = persona_world
    red = world.agreement_reviews["lyon_red"]
    with pytest.raises(Http404):
        get_for(world.actors["lyon_officer"], AgreementReview.objects.all(), pk=red.pk)
    green = world.agreement_reviews["lyon_green"]
    with pytest.raises(PermissionDenied):
        require(world.actors["munich_officer"], "edit", green)
    with pytest.raises(PermissionDenied):
        require(world.actors["lyon_author"], "delete", green)
