"""Saving reviews, adding drafts, comparing them: through the services and selectors."""

import pytest
from django.http import Http404

from tests.agreements.documents import sample
from tests.cases.pages_fixtures import actor, organisation, person
from tests.core import test_demo_network
from tests.factories import partnership, place
from twinwise.access.policy import PermissionDenied
from twinwise.agreements import extraction, selectors, services
from twinwise.agreements.models import AgreementDraft, AgreementReview
from twinwise.core.errors import UserFacingError

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    lindenau = organisation("lindenau", "Lindenau", "DE", population=90_000)
    other = organisation("borgo", "Borgo", "FR", population=50_000)
    return {
        "olga": actor(person("olga.becker", lindenau)),
        "jan": actor(person("jan.vogt", lindenau)),
        "admin": actor(person("ina.admin", lindenau, "admin")),
        "outsider": actor(person("rita.rossi", other)),
    }


def doc(name: str) -> extraction.Extracted:
    return extraction.from_pasted(sample(name), name=name)


def test_save_add_a_draft_and_compare(people):
    olga = people["olga"]
    review = services.review_create(
        actor=olga,
        title="  MoU  Haicheng ",
        tlp="amber-strict",
        document=doc("mou-de-entwurf-1.txt"),
    )
    assert review.title == "MoU Haicheng" and review.drafts.count() == 1
    second = services.draft_add(
        actor=people["jan"], review=review, document=doc("mou-de-entwurf-2.txt")
    )
    assert second.number == 2
    drafts = selectors.drafts_of(actor=olga, review=review)
    diff = selectors.compare_reports(drafts[0].report, drafts[1].report)
    assert {f["category"] for f in diff["resolved"]} == {
        "political-recognition",
        "confidentiality",
        "termination-lock-in",
    }
    assert [f["category"] for f in diff["remaining"]] == ["core-interests"]
    assert [f["category"] for f in diff["new"]] == ["financial-obligations"]


def test_comparison_matches_renumbered_clauses_and_changed_wording():
    def report(*clauses):
        return {
            "clauses": [
                {"index": i, "ref": ref, "findings": [{"category": cat, "evidence": ev}]}
                for i, (ref, cat, ev) in enumerate(clauses)
            ]
        }

    old = report(
        ("§ 1", "political-recognition", "one-China"),
        ("§ 7", "termination-lock-in", "only by mutual consent"),
    )
    new = report(
        ("§ 2", "political-recognition", "One-China!"),
        ("§ 7", "termination-lock-in", "by mutual agreement only"),
    )
    diff = selectors.compare_reports(old, new)
    assert len(diff["remaining"]) == 2 and not diff["resolved"] and not diff["new"]


def test_bad_input_saves_nothing(people):
    olga = people["olga"]
    czech = extraction.from_pasted("Článek 1\nMěsto uznává politiku jedné Číny a podporuje výměny.")
    for kwargs, field in (
        ({"title": "", "tlp": "red", "document": doc("mou-de-entwurf-1.txt")}, "title"),
        ({"title": "x" * 201, "tlp": "red", "document": doc("mou-de-entwurf-1.txt")}, "title"),
        ({"title": "A", "tlp": "amber", "document": doc("mou-de-entwurf-1.txt")}, "tlp"),
        (
            {
                "title": "A",
                "tlp": "red",
                "document": doc("mou-de-entwurf-1.txt"),
                "partnership_id": 999,
            },
            "partnership",
        ),
        ({"title": "A", "tlp": "red", "document": czech}, "language"),
    ):
        with pytest.raises(UserFacingError) as caught:
            services.review_create(actor=olga, **kwargs)
        assert caught.value.field == field
    assert not AgreementReview.objects.exists() and not AgreementDraft.objects.exists()


def test_a_review_links_only_a_visible_partnership(people):
    tie = partnership(place("Lindenau", "DE"), place("Haicheng", "CN"), tlp="clear")
    hidden = partnership(
        place("Lindenau", "DE"), place("Yanbian", "CN"), tlp="amber", external_id="hidden"
    )
    review = services.review_create(
        actor=people["olga"],
        title="A",
        tlp="red",
        document=doc("mou-de-entwurf-1.txt"),
        partnership_id=tie.pk,
    )
    assert review.partnership == tie
    with pytest.raises(UserFacingError):
        services.review_update(
            actor=people["olga"], review=review, title="A", tlp="red", partnership_id=hidden.pk
        )


def test_who_may_change_and_delete(people):
    review = services.review_create(
        actor=people["olga"], title="A", tlp="red", document=doc("mou-de-entwurf-1.txt")
    )
    with pytest.raises(Http404):
        services.draft_add(actor=people["jan"], review=review, document=doc("mou-de-entwurf-2.txt"))
    with pytest.raises(Http404):
        selectors.review_get(actor=people["outsider"], pk=review.pk)
    services.review_update(
        actor=people["olga"], review=review, title="B", tlp="amber-strict", partnership_id=None
    )
    with pytest.raises(PermissionDenied):
        services.review_delete(actor=people["jan"], review=review)
    services.review_delete(actor=people["admin"], review=review)
    assert not AgreementReview.objects.exists()


directory = test_demo_network.directory


def test_the_demo_network_has_munichs_german_mou_review(directory):
    """`twinwise demo`: the issue's "done when" on the bundled German draft MoU."""
    test_demo_network.create()
    test_demo_network.create()  # idempotent
    review = AgreementReview.objects.get(organisation__slug="munich")
    first, second = review.drafts.order_by("number")
    by_ref = {c["ref"]: c["findings"] for c in first.report["clauses"]}
    assert [(f["category"], f["severity"]) for f in by_ref["§ 1"]] == [
        ("political-recognition", "high")
    ]
    assert [f["category"] for f in by_ref["§ 7"]] == ["termination-lock-in"]
    assert by_ref["§ 2"] == by_ref["§ 3"] == []
    diff = selectors.compare_reports(first.report, second.report)
    assert len(diff["resolved"]) == 3
