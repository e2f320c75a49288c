"""Bad input everywhere a person or a file gives it: one clear message, the field named,
nothing stored."""

import pytest

from tests import factories
from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.surveys import services
from twinwise.surveys.answers import clean_answers, specs_for
from twinwise.surveys.models import CounterpartStaffing, Question, Response


@pytest.fixture
def specs(poll):
    return specs_for(poll.survey)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"motivations": "culture"}, {"motivations": ["culture"]}),
        (
            {"motivations": ["tourism", "culture", "tourism"]},
            {"motivations": ["culture", "tourism"]},
        ),
        ({"international_staff_fte": "2,5"}, {"international_staff_fte": 2.5}),
        ({"international_staff_fte": 3.0}, {"international_staff_fte": 3}),
        ({"outlook": "5", "relationship": ""}, {"outlook": 5}),
        ({"comments": "  Thanks  "}, {"comments": "Thanks"}),
        ({"main_partner_city": 1796236}, {"main_partner_city": 1796236}),
    ],
)
def test_answers_are_normalised(specs, answers, expected):
    assert clean_answers(specs, answers, complete=False) == expected


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        (["culture"], None, "answers must be an object"),
        ({"motivations": 3}, "motivations", "give a list"),
        ({"comments": 7}, "comments", "give a text"),
        ({"comments": "x" * 5001}, "comments", "5001 characters long"),
        ({"outlook": 9}, "outlook", "out of range"),
        ({"international_staff_fte": float("nan")}, "international_staff_fte", "give a number"),
        ({"main_partner_city": 42}, "main_partner_city", "GeoNames id 42"),
        ({"main_partner_city": True}, "main_partner_city", "Chinese city"),
    ],
)
def test_bad_answers(specs, answers, field, message):
    with pytest.raises(UserFacingError, match=message) as error:
        clean_answers(specs, answers, complete=False, line=3)
    assert error.value.field == field and error.value.line == 3


def test_country_questions_take_known_codes(poll):
    survey = services.survey_create(actor=poll.coordinator, slug="places", title="Places")
    services.question_add(
        actor=poll.coordinator,
        survey=survey,
        section_title="",
        key="home",
        kind="country",
        text="Home?",
    )
    specs = specs_for(survey)
    assert clean_answers(specs, {"home": "fr"}, complete=True) == {"home": "FR"}
    with pytest.raises(UserFacingError, match="not a country code"):
        clean_answers(specs, {"home": "Atlantis"}, complete=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "the file is not UTF-8"),
        (b'{"member": "lyon",', "line 1: not valid JSON"),
        (b'\n["lyon"]', "line 2: each line must be a JSON object"),
        (b'{"member": "lyon", "answers": {}, "year": 2026}', "line 1: unknown keys year"),
        (b'{"answers": {}}', "line 1, field member: give the member"),
        (b'{"member": "lyon"}', "line 1, field answers: give the answers"),
        (b"\n\n", "the file holds no responses"),
        (b'{"member": "lyon", "answers": []}', "line 1: answers must be an object"),
    ],
)
def test_bad_import_files(poll, data, message):
    poll.open()
    with pytest.raises(UserFacingError) as error:
        services.responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=data)
    assert str(error.value).startswith(message)
    assert not Response.objects.exists()


def test_import_needs_a_survey_and_a_campaign(poll):
    with pytest.raises(UserFacingError, match="no survey 'nope'"):
        services.responses_import(actor=Actor.operator(), survey_slug="nope", data=b"{}")
    with pytest.raises(UserFacingError, match="no campaign of directors-poll for 2031"):
        services.responses_import(
            actor=Actor.operator(), survey_slug="directors-poll", data=b"{}", year=2031
        )
    from twinwise.access.policy import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.responses_import(
            actor=poll.actor("lyon_admin"), survey_slug="directors-poll", data=b"{}"
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"key": "Bad Key!"}, "key"),
        ({"key": "relationship_copy", "kind": "slider"}, "kind"),
        ({"text": "  "}, "text"),
        ({"kind": "single", "options": [("a", "A"), ("a", "B")]}, "options"),
        ({"kind": "scale", "min_value": 1}, "max_value"),
        ({"kind": "number", "min_value": 5, "max_value": 1}, "min_value"),
        ({"kind": "number", "min_value": "five"}, "min_value"),
        ({"kind": "number", "max_value": "1e12"}, "max_value"),
        ({"translations": {"deu": {"text": "x"}}}, "translations"),
        ({"translations": {"de": "x"}}, "translations"),
    ],
)
def test_the_builder_refuses_bad_questions(poll, fields, field):
    survey = services.survey_create(actor=poll.coordinator, slug="b", title="Builder")
    values = {"section_title": "S", "key": "q1", "kind": "text", "text": "Question?", **fields}
    with pytest.raises(UserFacingError) as error:
        services.question_add(actor=poll.coordinator, survey=survey, **values)
    assert error.value.field == field
    assert not Question.objects.filter(survey=survey).exists()


def test_the_builder_refuses_duplicates_and_empty_titles(poll):
    survey = services.survey_create(actor=poll.coordinator, slug="dup", title="Dup")
    services.question_add(
        actor=poll.coordinator, survey=survey, section_title="", key="q", kind="text", text="Q?"
    )
    with pytest.raises(UserFacingError, match="already has a question"):
        services.question_add(
            actor=poll.coordinator, survey=survey, section_title="", key="q", kind="text", text="Q?"
        )
    with pytest.raises(UserFacingError, match="exists"):
        services.survey_create(actor=poll.coordinator, slug="dup", title="Again")
    with pytest.raises(UserFacingError) as error:
        services.survey_create(actor=poll.coordinator, slug="x", title=" ")
    assert error.value.field == "title"
    empty = services.survey_create(actor=poll.coordinator, slug="empty", title="Empty")
    with pytest.raises(UserFacingError, match="no questions yet"):
        services.campaign_open(actor=poll.coordinator, survey=empty, year=2026)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"staff": 0}, "staff"),
        ({"staff": "lots"}, "staff"),
        ({"year": 1900}, "year"),
        ({"year": "soon"}, "year"),
        ({"source": "x"}, "source"),
        ({"source_url": "ftp://example.org"}, "source_url"),
    ],
)
def test_staffing_figures_need_sane_numbers_and_a_source(poll, fields, field):
    shanghai = factories.place("Shanghai2", "CN")
    values = {"staff": 300, "year": 2024, "source": "Annual report", **fields}
    with pytest.raises(UserFacingError) as error:
        services.counterpart_staffing_create(
            actor=poll.actor("lyon_admin"), place=shanghai, **values
        )
    assert error.value.field == field
    assert not CounterpartStaffing.objects.exists()
