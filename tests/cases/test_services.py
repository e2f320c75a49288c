"""The report workflow through the services: draft → submitted, moderation, withdrawal,
comments, recipients, history and audit."""

import pytest
from django.http import Http404

from tests import factories
from twinwise.access.actors import Actor
from twinwise.access.models import AuditEvent
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import Organisation, User
from twinwise.cases import services
from twinwise.cases.models import Case, CaseRevision
from twinwise.cases.selectors import case_get, case_present, case_queryset
from twinwise.core.errors import UserFacingError


def org(slug, iso2, *, verified=True, population=250_000):
    return Organisation.objects.create(
        slug=slug,
        name=f"City of {slug.title()}",
        country=factories.country(iso2),
        population=population,
        verified=verified,
    )


def member(username, organisation, role="officer", **extra):
    user = User.objects.create_user(
        username, password="x", organisation=organisation, role=role, **extra
    )
    return Actor.from_user(user, strong=True)


@pytest.fixture
def net(db):
    lyon, munich, porto = (
        org("lyon", "FR"),
        org("munich", "DE", population=1_500_000),
        org("porto", "SE", verified=False),
    )
    moderator_user = User.objects.create_user("mod", password="x", is_moderator=True)
    return {
        "lyon": lyon,
        "munich": munich,
        "porto": porto,
        "ana": member("ana", lyon),
        "lea": member("lea", lyon),
        "boss": member("boss", lyon, "admin"),
        "max": member("max", munich),
        "mia": member("mia", munich, "admin"),
        "pia": member("pia", porto),
        "mod": Actor.from_user(moderator_user, strong=True),
        "anon": Actor.anonymous(),
    }


DATA = {
    "title": "Consulate asks to cancel Tibetan film screening",
    "occurred_on": "2021-02",
    "case_type": "demand",
    "topics": ["tibet", "culture"],
    "summary": "A letter arrived two weeks before the festival.",
    "tlp": "amber",
}


def sees(actor, case) -> bool:
    return case_queryset(actor=actor).filter(pk=case.pk).exists()


def test_amber_reaches_recipients_at_once_and_no_one_else(net):
    case = services.case_create(
        actor=net["ana"], data=DATA, recipients={"members": [net["munich"].pk]}
    )
    assert case.state == "draft"
    assert sees(net["ana"], case) and not sees(net["lea"], case) and not sees(net["max"], case)
    services.case_submit(actor=net["ana"], case=case)
    case.refresh_from_db()
    assert case.state == "published"
    assert sees(net["lea"], case) and sees(net["max"], case) and sees(net["mia"], case)
    assert not sees(net["pia"], case) and not sees(net["mod"], case) and not sees(net["anon"], case)
    with pytest.raises(Http404):
        case_get(actor=net["pia"], pk=case.pk)


def test_green_goes_to_a_moderator_first(net):
    case = services.case_create(actor=net["ana"], data={**DATA, "tlp": "green"})
    services.case_submit(actor=net["ana"], case=case)
    case.refresh_from_db()
    assert case.state == "pending"
    assert sees(net["mod"], case) and sees(net["lea"], case) and not sees(net["max"], case)
    with pytest.raises(UserFacingError) as err:
        services.case_moderate(actor=net["mod"], case=case, publish=False, note="  ")
    assert err.value.field == "note"
    services.case_moderate(
        actor=net["mod"], case=case, publish=False, note="Remove the consul's name."
    )
    case.refresh_from_db()
    assert case.state == "returned" and sees(net["mod"], case) and not sees(net["max"], case)
    services.case_update(actor=net["ana"], case=case, data={"summary": "A letter arrived."})
    services.case_submit(actor=net["ana"], case=case)
    services.case_moderate(actor=net["mod"], case=Case.objects.get(pk=case.pk), publish=True)
    case.refresh_from_db()
    assert case.state == "published" and sees(net["max"], case) and not sees(net["pia"], case)


def test_moderators_cannot_moderate_amber_and_members_cannot_moderate(net):
    case = services.case_create(actor=net["ana"], data=DATA)
    services.case_submit(actor=net["ana"], case=case)
    with pytest.raises(Http404):
        services.case_moderate(actor=net["mod"], case=case, publish=True)
    green = services.case_create(actor=net["ana"], data={**DATA, "tlp": "green"})
    services.case_submit(actor=net["ana"], case=green)
    with pytest.raises(PermissionDenied):
        services.case_moderate(actor=net["lea"], case=green, publish=True)


def test_red_case_sees_author_named_people_and_admins(net):
    case = services.case_create(
        actor=net["ana"], data={**DATA, "tlp": "red"}, recipients={"users": [net["max"].user_id]}
    )
    services.case_submit(actor=net["ana"], case=case)
    assert sees(net["ana"], case) and sees(net["max"], case) and sees(net["boss"], case)
    assert not sees(net["lea"], case) and not sees(net["mia"], case) and not sees(net["mod"], case)


def test_recipients_on_the_wrong_level_are_refused(net):
    with pytest.raises(UserFacingError) as err:
        services.case_create(
            actor=net["ana"],
            data={**DATA, "tlp": "green"},
            recipients={"members": [net["munich"].pk]},
        )
    assert err.value.field == "recipients.members"
    with pytest.raises(UserFacingError) as err:
        services.case_create(
            actor=net["ana"], data=DATA, recipients={"users": [net["max"].user_id]}
        )
    assert err.value.field == "recipients.users"
    with pytest.raises(UserFacingError):  # unverified organisations can't be recipients
        services.case_create(actor=net["ana"], data=DATA, recipients={"members": [net["porto"].pk]})
    assert not Case.objects.exists()


def test_withdrawal_hides_the_case_but_the_audit_log_keeps_it(net):
    case = services.case_create(
        actor=net["ana"], data=DATA, recipients={"members": [net["munich"].pk]}
    )
    services.case_submit(actor=net["ana"], case=case)
    with pytest.raises(PermissionDenied):  # a recipient sees it but may not withdraw it
        services.case_withdraw(actor=net["max"], case=case)
    services.case_withdraw(actor=net["ana"], case=case)
    assert not sees(net["max"], case) and sees(net["lea"], case)
    assert AuditEvent.objects.filter(case=case, action="withdraw").exists()
    assert list(CaseRevision.objects.filter(case=case).values_list("action", flat=True)) == [
        "create",
        "submit",
        "withdraw",
    ]


def test_comments_and_history(net):
    case = services.case_create(
        actor=net["ana"], data=DATA, recipients={"members": [net["munich"].pk]}
    )
    with pytest.raises(Http404):
        services.comment_create(actor=net["max"], case=case, body="Same letter here.")
    services.case_submit(actor=net["ana"], case=case)
    comment = services.comment_create(actor=net["max"], case=case, body="We had the same letter.")
    assert comment.organisation == net["munich"]
    with pytest.raises(UserFacingError):
        services.comment_create(actor=net["max"], case=case, body="   ")
    with pytest.raises(Http404):
        services.comment_create(actor=net["pia"], case=case, body="hi")


def test_bad_input_names_the_field_and_stores_nothing(net):
    for data, field in [
        ({**DATA, "case_type": "rumour"}, "case_type"),
        ({**DATA, "topics": ["tibet", "weather"]}, "topics"),
        ({**DATA, "tlp": "purple"}, "tlp"),
        ({**DATA, "occurred_on": "2021-13"}, "occurred_on"),
        ({**DATA, "title": ""}, "title"),
        ({**DATA, "summary": "x" * 20_001}, "summary"),
        ({**DATA, "language": "english"}, "language"),
    ]:
        with pytest.raises(UserFacingError) as err:
            services.case_create(actor=net["ana"], data=data)
        assert err.value.field == field
    assert not Case.objects.exists()
    draft = services.case_create(actor=net["ana"], data={"title": "Only a title"})
    with pytest.raises(UserFacingError) as err:
        services.case_submit(actor=net["ana"], case=draft)
    assert err.value.field == "occurred_on"


def test_only_members_with_two_factors_file_reports(net):
    user = User.objects.get(username="ana")
    with pytest.raises(PermissionDenied):
        services.case_create(actor=Actor.from_user(user, strong=False), data=DATA)
    with pytest.raises(PermissionDenied):
        services.case_create(actor=net["mod"], data=DATA)


def test_anonymous_reports_are_generalised_outside_the_organisation(net):
    case = services.case_create(
        actor=net["max"], data={**DATA, "anonymous": True}, recipients={"members": [net["lyon"].pk]}
    )
    services.case_submit(actor=net["max"], case=case)
    outside = case_present(actor=net["ana"], case=case)["reporter"]
    assert outside == {
        "label": "a city of more than 1M inhabitants in Central Europe",
        "organisation": None,
        "author": None,
        "generalised": True,
    }
    inside = case_present(actor=net["mia"], case=case)["reporter"]
    assert inside["organisation"]["slug"] == "munich" and inside["author"] == "max"


def test_reads_of_amber_cases_are_audited(net):
    case = services.case_create(
        actor=net["ana"], data=DATA, recipients={"members": [net["munich"].pk]}
    )
    services.case_submit(actor=net["ana"], case=case)
    case_get(actor=net["max"], pk=case.pk)
    event = AuditEvent.objects.filter(action="read").get()
    assert event.owner == net["lyon"] and event.username == "max"
