"""The case index applies the access rule as masks (ADR 0009): prove it selects exactly what
`visible()` selects, for every persona, and that the reporter's country is shown exactly
where cases.case/see_reporter allows — also after the index patched itself with changes.
"""

import pytest

from twinwise.access.actors import Actor
from twinwise.access.policy import visible
from twinwise.access.rules import case_levels_mask, reporter_shown_mask
from twinwise.cases import index
from twinwise.cases.index import case_index
from twinwise.cases.models import Case, CaseRecipientOrganisation, CaseRecipientUser
from twinwise.cases.search import CaseQuery, case_count

from .test_consistency import PERSONAS

pytestmark = pytest.mark.django_db


def masked_ids(actor: Actor) -> set[int]:
    snap = case_index()
    return {int(i) for i in snap.id[case_levels_mask(actor, snap)]}


def reporter_shown_ids(actor: Actor) -> set[int]:
    snap = case_index()
    mask = case_levels_mask(actor, snap) & reporter_shown_mask(actor, snap, snap.anonymous)
    return {int(i) for i in snap.id[mask]}


def sql_ids(actor: Actor, action: str = "view") -> set[int]:
    return set(visible(actor, Case.objects.all(), action).values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_mask_selects_what_visible_selects(persona_world, persona):
    actor = persona_world.actors[persona]
    assert masked_ids(actor) == sql_ids(actor)
    assert reporter_shown_ids(actor) == sql_ids(actor, "see_reporter")


def test_the_index_holds_every_case(persona_world):
    snap = case_index()
    assert list(snap.id) == sorted(Case.objects.values_list("pk", flat=True))


def test_an_actor_with_an_organisation_but_no_user_matches_authorless_cases(persona_world):
    """Q(author_id=None) is `author IS NULL` in SQL; the mask must say the same."""
    lyon = persona_world.actors["lyon_admin"]
    actor = Actor(organisation_id=lyon.organisation_id, organisation_verified=True)
    assert masked_ids(actor) == sql_ids(actor)


@pytest.fixture
def patching(monkeypatch):
    """Make every refresh a patch, as it is for a large index."""
    monkeypatch.setattr(index, "FULL_REBUILD_BELOW", 0)
    case_index()  # a snapshot to patch


@pytest.mark.parametrize("persona", ["lyon_admin", "munich_officer", "gothenburg_author"])
def test_patches_follow_updates_recipients_and_new_cases(persona_world, patching, persona):
    actor = persona_world.actors[persona]
    before = case_index()
    before.order("newest"), before.order("oldest")  # orders to patch rather than recompute
    munich = persona_world.actors["munich_officer"].organisation_id
    amber = persona_world.cases["lyon_amber_published"]
    CaseRecipientOrganisation.objects.filter(case=amber).delete()
    CaseRecipientOrganisation.objects.create(case=amber, organisation_id=munich)
    amber.save()  # recipients change with their case (services save both together)
    red = persona_world.cases["gothenburg_anon_red"]
    red.tlp = "amber-strict"
    red.occurred_on, red.occurred_year = "2001-02", 2001  # moves in both orders
    red.save()
    newcomer = Case.objects.create(
        organisation_id=munich, title="New", tlp="green", state="published", topics=["tibet"]
    )
    CaseRecipientUser.objects.filter(case=red).delete()
    after = case_index()
    assert after is not before and after.n == before.n + 1
    assert masked_ids(actor) == sql_ids(actor)
    assert reporter_shown_ids(actor) == sql_ids(actor, "see_reporter")
    assert case_count(actor=actor, query=CaseQuery(mine=True)) == len(
        sql_ids(actor)
        & set(
            Case.objects.filter(organisation_id=actor.organisation_id).values_list("pk", flat=True)
        )
    )
    assert newcomer.pk in {int(i) for i in after.id}
    fresh = index._build("default", after.stamps)
    for name in ("newest", "oldest"):
        assert ("order", name) in after.cache, "the patch carries the orders forward"
        assert list(after.order(name)) == list(fresh.order(name))


def test_a_deleted_case_makes_the_patch_rebuild(persona_world, patching):
    actor = persona_world.actors["lyon_admin"]
    gone = persona_world.cases["lyon_clear_published"]
    Case.objects.filter(pk=gone.pk).delete()
    assert gone.pk not in {int(i) for i in case_index().id}
    assert masked_ids(actor) == sql_ids(actor)


def test_the_index_notices_a_new_organisation_country(persona_world):
    from twinwise.accounts.models import Organisation

    lyon = Organisation.objects.get(pk=persona_world.actors["lyon_admin"].organisation_id)
    assert case_index().organisation_country[lyon.pk] == lyon.country_id
    other = Organisation.objects.exclude(country_id=lyon.country_id).exclude(country=None)[0]
    lyon.country_id = other.country_id
    lyon.save()
    assert case_index().organisation_country[lyon.pk] == other.country_id
