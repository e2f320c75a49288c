"""The policy's own API: registration, model-wide rules, explain(), the audit log record."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q

from twinwise.access import policy
from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.access.policy import (
    PermissionDenied,
    can_model,
    condition,
    explain,
    model_rule,
    require_model,
    rule,
)
from twinwise.accounts.models import Organisation
from twinwise.cases.models import Case, CaseComment
from twinwise.partnerships.models import Partnership

pytestmark = pytest.mark.django_db


def test_a_second_rule_for_the_same_model_and_action_is_a_bug():
    with pytest.raises(RuntimeError, match="registered twice"):
        rule("cases.case", "view")(lambda actor: Q())
    with pytest.raises(RuntimeError, match="registered twice"):
        model_rule("cases.case", "create")(lambda actor: True)


def test_registration_keeps_the_rule_and_its_doc(monkeypatch):
    monkeypatch.setattr(policy, "_RULES", {})
    monkeypatch.setattr(policy, "_MODEL_RULES", {})

    @rule("cases.case", "archive")
    def archive(actor):
        """Nobody archives."""
        return Q(pk__in=[])

    @model_rule("cases.case", "archive")
    def archive_all(actor):
        return actor.is_staff

    assert archive(Actor()) == Q(pk__in=[])  # the decorator returns the function itself
    assert [(e.model_label, e.action, e.doc) for e in explain()] == [
        ("cases.case", "archive", "Nobody archives.")
    ]
    assert can_model(Actor.operator(), Case, "archive")


def test_no_rule_means_nothing():
    assert not Case.objects.filter(condition(Actor.operator(), Case, "fly")).exists()
    assert condition(Actor.operator(), Organisation, "view") == Q(pk__in=[])


def test_explain_lists_every_rule_with_its_reason():
    entries = explain()
    assert {(e.model_label, e.action) for e in entries} >= {
        ("cases.case", "view"),
        ("cases.case", "edit"),
        ("cases.case", "withdraw"),
        ("cases.case", "comment"),
        ("cases.case", "moderate"),
        ("cases.case", "see_reporter"),
        ("cases.case", "audit"),
        ("cases.casecomment", "view"),
        ("cases.caseattachment", "view"),
        ("cases.caserevision", "view"),
        ("access.auditevent", "view"),
        ("partnerships.partnership", "view"),
        ("partnerships.partnershipsource", "view"),
    }
    assert all(e.doc for e in entries), [e for e in entries if not e.doc]
    assert {e.model_label for e in explain(CaseComment)} == {"cases.casecomment"}
    assert {e.action for e in explain(Case)} >= {
        "view",
        "edit",
        "withdraw",
        "comment",
        "moderate",
        "see_reporter",
        "audit",
    }


MODEL_RULES = [
    # persona,                 case create, case import, organisation import, partnership import
    ("anonymous", False, False, False, False),
    ("outsider", False, False, False, False),
    ("moderator", False, False, False, False),
    ("lyon_author_no2fa", False, False, False, False),
    ("lyon_author", True, False, False, False),
    ("lyon_admin", True, False, False, False),
    ("unverified_officer", True, False, False, False),
    ("operator", False, True, True, True),
]


@pytest.mark.parametrize(
    ("persona", "create", "import_cases", "import_orgs", "import_ties"), MODEL_RULES
)
def test_model_wide_rules(persona_world, persona, create, import_cases, import_orgs, import_ties):
    actor = persona_world.actors[persona]
    for model, action, expected in (
        (Case, "create", create),
        (Case, "import", import_cases),
        (Organisation, "import", import_orgs),
        (Partnership, "import", import_ties),
    ):
        assert can_model(actor, model, action) is expected, (model, action)
        if expected:
            require_model(actor, model, action)
        else:
            with pytest.raises(PermissionDenied, match=f"You may not {action}"):
                require_model(actor, model, action)


def test_the_command_line_operator_imports():
    assert can_model(Actor.operator(), Case, "import")
    assert not can_model(Actor.operator(), Case, "fly")  # no rule: no


def test_permission_denied_is_djangos_so_any_view_answers_403():
    assert issubclass(PermissionDenied, DjangoPermissionDenied)


def test_audit_event_reads_as_a_line(persona_world):
    event = persona_world.audit_events["lyon"]
    text = str(event)
    assert "lyon_admin read lyon_red_published" in text
    assert text[:4].isdigit()
    assert isinstance(event, AuditEvent)
