"""Campaigns and responses: who may do what, the anonymity modes, and bad input."""

import pytest
from django.core import mail
from django.http import Http404

from twinwise.access.policy import PermissionDenied
from twinwise.core.errors import UserFacingError
from twinwise.surveys import services
from twinwise.surveys.models import Participation, Response
from twinwise.surveys.selectors import (
    campaign_list,
    identified_responses,
    own_response,
    participations,
)

from .conftest import answers


def test_officer_drafts_and_admin_submits(poll):
    campaign = poll.open()
    officer, admin = poll.actor("lyon_officer"), poll.actor("lyon_admin")
    draft = services.response_save(
        actor=officer, campaign=campaign, answers={"relationship": "fair"}
    )
    assert draft.state == "draft" and draft.answers == {"relationship": "fair"}
    with pytest.raises(PermissionDenied):
        services.response_submit(actor=officer, campaign=campaign)
    with pytest.raises(UserFacingError) as missing:
        services.response_submit(actor=admin, campaign=campaign)
    assert missing.value.field == "motivations"
    services.response_save(actor=officer, campaign=campaign, answers=answers(relationship="fair"))
    services.response_submit(actor=admin, campaign=campaign)
    response = Response.objects.get(organisation=poll.orgs["lyon"])
    assert response.state == "submitted"
    assert (response.country_id, response.region, response.population_band) == (
        "FR",
        "europe",
        "500k-1m",
    )
    # Submitted: officers no longer change it, admins do until the campaign closes.
    with pytest.raises(PermissionDenied):
        services.response_save(actor=officer, campaign=campaign, answers=answers())
    services.response_save(
        actor=admin, campaign=campaign, answers=answers(relationship="excellent")
    )
    assert Response.objects.get(pk=response.pk).answers["relationship"] == "excellent"
    services.campaign_close(actor=poll.coordinator, campaign=campaign)
    campaign.refresh_from_db()
    with pytest.raises(UserFacingError, match="closed"):
        services.response_save(actor=admin, campaign=campaign, answers=answers())


def test_fully_anonymous_submission_leaves_no_link(poll):
    campaign = poll.open(anonymity="full")
    admin = poll.actor("munich_admin")
    services.response_save(actor=poll.actor("munich_officer"), campaign=campaign, answers=answers())
    services.response_submit(actor=admin, campaign=campaign)
    stored = Response.objects.get(campaign=campaign)
    assert stored.organisation_id is None and stored.updated_by_id is None
    assert stored.updated_at is None
    assert Participation.objects.filter(
        campaign=campaign, organisation=poll.orgs["munich"]
    ).exists()
    # Nobody reads it one by one, not even the coordinator or Munich itself.
    assert own_response(actor=admin, campaign=campaign) is None
    assert identified_responses(actor=poll.coordinator, campaign=campaign) == []
    # A second submission is refused.
    with pytest.raises(UserFacingError, match="already submitted"):
        services.response_submit(actor=admin, campaign=campaign, answers=answers())
    with pytest.raises(UserFacingError, match="already submitted"):
        services.response_save(actor=admin, campaign=campaign, answers=answers())
    assert Response.objects.filter(campaign=campaign).count() == 1


def test_anonymous_to_peers_shows_answers_to_coordinators_only(poll):
    campaign = poll.open(anonymity="peers")
    services.response_submit(actor=poll.actor("lyon_admin"), campaign=campaign, answers=answers())
    assert len(identified_responses(actor=poll.coordinator, campaign=campaign)) == 1
    assert identified_responses(actor=poll.actor("munich_admin"), campaign=campaign) == []
    identified = poll.open(year=2027, anonymity="identified")
    services.response_submit(actor=poll.actor("lyon_admin"), campaign=identified, answers=answers())
    assert len(identified_responses(actor=poll.actor("munich_admin"), campaign=identified)) == 1


def test_selected_organisations_only(poll):
    campaign = poll.open(organisations=[poll.orgs["lyon"], poll.orgs["essen"]])
    assert list(campaign_list(actor=poll.actor("lyon_officer"))) == [campaign]
    assert list(campaign_list(actor=poll.actor("munich_officer"))) == []
    assert list(campaign_list(actor=poll.actor("outsider"))) == []
    with pytest.raises(Http404):
        services.response_save(actor=poll.actor("munich_admin"), campaign=campaign, answers={})


def test_unverified_members_are_not_in_campaigns_for_all(poll):
    from tests.accounts.conftest import make_user
    from twinwise.access.actors import Actor

    pilsen = Actor.from_user(make_user("pilsen_admin", poll.orgs["pilsen"], "admin"))
    campaign = poll.open()
    assert list(campaign_list(actor=pilsen)) == []
    assert campaign in campaign_list(actor=poll.coordinator)


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"favourite_colour": "blue"}, "favourite_colour", "no question"),
        ({"relationship": "splendid"}, "relationship", "not one of the options"),
        ({"motivations": ["culture", "espionage"]}, "motivations", "not one of the options"),
        ({"international_staff_fte": -1}, "international_staff_fte", "out of range"),
        ({"international_staff_fte": 5000}, "international_staff_fte", "out of range"),
        ({"international_staff_fte": "many"}, "international_staff_fte", "not a number"),
        ({"international_staff_fte": True}, "international_staff_fte", "give a number"),
        ({"outlook": 2.5}, "outlook", "whole number"),
        ({"main_partner_city": "Atlantis"}, "main_partner_city", "Chinese city"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(poll, bad, field, message):
    campaign = poll.open()
    with pytest.raises(UserFacingError, match=message) as error:
        services.response_save(actor=poll.actor("lyon_admin"), campaign=campaign, answers=bad)
    assert error.value.field == field
    assert not Response.objects.exists()


def test_city_picker_takes_names_in_any_script(poll):
    campaign = poll.open()
    saved = services.response_save(
        actor=poll.actor("lyon_officer"), campaign=campaign, answers={"main_partner_city": "上海"}
    )
    assert saved.answers == {"main_partner_city": 1796236}


def test_campaign_rules(poll):
    with pytest.raises(PermissionDenied):
        services.campaign_open(actor=poll.actor("lyon_admin"), survey=poll.survey, year=2026)
    campaign = poll.open()
    with pytest.raises(UserFacingError, match="already opened"):
        poll.open()
    with pytest.raises(UserFacingError) as bad_year:
        poll.open(year=1900)
    assert bad_year.value.field == "year"
    with pytest.raises(PermissionDenied):
        services.campaign_close(actor=poll.actor("lyon_admin"), campaign=campaign)
    services.campaign_close(actor=poll.coordinator, campaign=campaign)
    with pytest.raises(UserFacingError, match="already closed"):
        services.campaign_close(actor=poll.coordinator, campaign=campaign)


def test_closing_deletes_unsubmitted_drafts(poll):
    campaign = poll.open()
    services.response_save(actor=poll.actor("lyon_officer"), campaign=campaign, answers={})
    services.campaign_close(actor=poll.coordinator, campaign=campaign)
    assert not Response.objects.exists()


def test_reminders_go_to_organisations_that_have_not_submitted(poll):
    campaign = poll.open(organisations=[poll.orgs["lyon"], poll.orgs["essen"]])
    services.response_submit(actor=poll.actor("lyon_admin"), campaign=campaign, answers=answers())
    sent = services.campaign_remind(actor=poll.coordinator, campaign=campaign, link="https://x/y")
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "essen_admin@example.org",
        "essen_officer@example.org",
    ]
    assert "https://x/y" in mail.outbox[0].body
    with pytest.raises(PermissionDenied):
        services.campaign_remind(actor=poll.actor("essen_admin"), campaign=campaign, link="")
    assert list(participations(actor=poll.actor("essen_admin"), campaign=campaign)) == []
    assert len(participations(actor=poll.coordinator, campaign=campaign)) == 1


def test_the_builder_adds_questions_with_options_and_translations(poll):
    survey = services.survey_create(actor=poll.coordinator, slug="", title="Culture exchanges")
    question = services.question_add(
        actor=poll.coordinator,
        survey=survey,
        section_title="Exchanges",
        key="formats",
        kind="multiple",
        text="Which formats did you run?",
        options=[("festival", "Festival"), ("school", "School exchange")],
        translations={"de": {"text": "Welche Formate?"}},
    )
    assert [o.value for o in question.options.all()] == ["festival", "school"]
    assert question.translations == {"de": {"text": "Welche Formate?"}}
    with pytest.raises(UserFacingError) as error:
        services.question_add(
            actor=poll.coordinator,
            survey=survey,
            section_title="",
            key="x",
            kind="single",
            text="Only one option?",
            options=[("a", "A")],
        )
    assert error.value.field == "options"
    with pytest.raises(PermissionDenied):
        services.survey_create(actor=poll.actor("lyon_admin"), slug="x", title="X")
    with pytest.raises(PermissionDenied):  # built in: not editable
        services.question_add(
            actor=poll.coordinator,
            survey=poll.survey,
            section_title="",
            key="y",
            kind="text",
            text="?",
        )


def test_question_and_option_texts_are_shown_in_the_reader_s_language(poll):
    from django.utils import translation

    from twinwise.surveys.models import Option
    from twinwise.surveys.presenters import option_label, translated

    question = poll.survey.questions.get(key="relationship")
    question.translations = {"de": {"text": "Wie ist die Beziehung?"}}
    question.save()
    good = Option.objects.get(question=question, value="good")
    good.translations = {"de": "Gut"}
    good.save()
    with translation.override("de"):
        assert translated(question, "text") == "Wie ist die Beziehung?"
        assert translated(question, "help_text") == question.help_text  # no translation: English
        assert option_label(good) == "Gut"
    with translation.override("en"):
        assert translated(question, "text") == question.text and option_label(good) == "Good"


def test_anonymous_rows_are_rewritten_in_random_order_on_each_submission(poll):
    campaign = poll.open(anonymity="full")
    services.response_submit(actor=poll.actor("lyon_admin"), campaign=campaign, answers=answers())
    first = set(Response.objects.values_list("pk", flat=True))
    services.response_submit(
        actor=poll.actor("munich_admin"), campaign=campaign, answers=answers(relationship="poor")
    )
    second = set(Response.objects.values_list("pk", flat=True))
    assert len(second) == 2 and not first & second  # every row has a new id
    assert sorted(
        r["relationship"] for r in Response.objects.values_list("answers", flat=True)
    ) == [
        "good",
        "poor",
    ]
