"""Peer learning in the access matrix (same columns and notation as test_matrix.py).

Introductions (v view, d decide):
- the person who asked sees the request while in the same office; the asking office's
  admins see all its requests;
- on the other side, the office's admins see and answer requests; the author of the report
  asked about sees them too, and answers only when the report was shared anonymously;
- an accepted or declined request is answered: no one decides it again.

Reports (i introduce): a verified member may ask about a published report they can see from
another member office — never their own office's, the public record's, a draft.

Watches, notifications and digest settings (v view, c change): a person's own, no one
else's, and only with two factors.
"""

import pytest

from tests.access.test_matrix import table
from twinwise.access.policy import can_model
from twinwise.peers.models import Introduction, Watch

pytestmark = pytest.mark.django_db

INTRODUCTIONS = """
introduction                   anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
munich_to_lyon                 ..    ..    ..    ..    ..    vd    v.    ..    v.    v.    ..    ..    ..    ..
lyon_to_gothenburg_anon        ..    ..    ..    ..    ..    v.    ..    v.    ..    ..    ..    vd    ..    ..
munich_to_gothenburg_accepted  ..    ..    ..    ..    ..    ..    ..    ..    v.    ..    ..    v.    ..    ..
"""

INTRODUCE = """
case                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
lyon_green_published        .     .     .     .     .     .     .     .     i     i     i     i     i     .
lyon_amber_published        .     .     .     .     .     .     .     .     i     i     i     .     .     .
lyon_red_published          .     .     .     .     .     .     .     .     .     i     .     .     .     .
lyon_green_draft            .     .     .     .     .     .     .     .     .     .     .     .     .     .
gothenburg_anon_green       .     .     .     .     .     i     i     i     i     i     i     .     .     .
gothenburg_anon_red         .     .     .     .     .     .     .     i     .     .     .     .     .     .
unverified_green            .     .     .     .     .     i     i     i     i     i     i     i     i     .
public_record               .     .     .     .     .     .     .     .     .     .     .     .     .     .
"""

OWN_THINGS = """
record                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
watch_lyon_author_topic       ..    ..    ..    ..    ..    ..    vc    ..    ..    ..    ..    ..    ..    ..
watch_munich_officer_case     ..    ..    ..    ..    ..    ..    ..    ..    ..    vc    ..    ..    ..    ..
note_lyon_author_case         ..    ..    ..    ..    ..    ..    vc    ..    ..    ..    ..    ..    ..    ..
note_lyon_admin_intro         ..    ..    ..    ..    ..    vc    ..    ..    ..    ..    ..    ..    ..    ..
digest_lyon_author            ..    ..    ..    ..    ..    ..    vc    ..    ..    ..    ..    ..    ..    ..
digest_munich_admin           ..    ..    ..    ..    ..    ..    ..    ..    vc    ..    ..    ..    ..    ..
"""


def _table(persona_world, spec, permissions, records):
    class View:
        actors = persona_world.actors
        cases = records

    return table(View, spec, permissions)


def test_introductions(persona_world):
    expected, actual = _table(
        persona_world, INTRODUCTIONS, (("v", "view"), ("d", "decide")), persona_world.introductions
    )
    assert actual == expected


def test_who_may_ask_about_which_report(persona_world):
    expected, actual = _table(persona_world, INTRODUCE, (("i", "introduce"),), persona_world.cases)
    assert actual == expected


def test_watches_notifications_and_digest_settings_are_ones_own(persona_world):
    own = {
        **{f"watch_{k}": v for k, v in persona_world.watches.items()},
        **{f"note_{k}": v for k, v in persona_world.notifications.items()},
        **{f"digest_{k}": v for k, v in persona_world.digest_settings.items()},
    }
    expected, actual = _table(persona_world, OWN_THINGS, (("v", "view"), ("c", "change")), own)
    assert actual == expected


def test_who_may_ask_for_introductions_and_watch(persona_world):
    askers = {p for p, a in persona_world.actors.items() if can_model(a, Introduction, "create")}
    watchers = {p for p, a in persona_world.actors.items() if can_model(a, Watch, "create")}
    members = {
        "lyon_admin",
        "lyon_author",
        "lyon_officer",
        "munich_admin",
        "munich_officer",
        "munich_officer2",
        "gothenburg_admin",
        "gothenburg_author",
        "gothenburg_officer",
    }
    assert askers == members
    assert watchers == members | {"unverified_officer"}
