"""Results, the import and the command, checked against an independent tally."""

import json
import statistics
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command

from twinwise.access.actors import Actor
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.surveys.models import Response
from twinwise.surveys.selectors import breakdown, campaign_results, peers_comparison, trend
from twinwise.surveys.services import campaign_close, response_submit, responses_import

LINES = [
    {
        "member": "lyon",
        "answers": {
            "motivations": ["culture", "tourism"],
            "relationship": "good",
            "has_international_office": "yes",
            "international_staff_fte": 4,
            "incidents": ["demand"],
        },
    },
    {
        "member": "nantes",
        "answers": {
            "motivations": ["culture"],
            "relationship": "fair",
            "has_international_office": "yes",
            "international_staff_fte": 1.5,
        },
    },
    {
        "member": "munich",
        "answers": {
            "motivations": ["investment-trade", "culture", "academic"],
            "relationship": "excellent",
            "has_international_office": "yes",
            "international_staff_fte": 12,
        },
    },
    {
        "member": "essen",
        "answers": {
            "motivations": ["general-bilateral"],
            "relationship": "poor",
            "has_international_office": "no",
            "international_staff_fte": 0,
            "incidents": ["demand", "threat"],
        },
    },
    {
        "member": "gothenburg",
        "answers": {
            "motivations": ["climate", "investment-trade"],
            "relationship": "good",
            "has_international_office": "yes",
            "international_staff_fte": 6,
        },
    },
    {
        "member": "linkoping",
        "answers": {
            "motivations": ["culture"],
            "relationship": "good",
            "has_international_office": "yes",
            "international_staff_fte": 2,
        },
    },
    {
        "member": "boston",
        "answers": {
            "motivations": ["investment-trade"],
            "relationship": "fair",
            "has_international_office": "yes",
            "international_staff_fte": 3.25,
        },
    },
]


def jsonl(lines) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


def half_up(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def independent_tally(lines) -> dict:
    """The results, counted the plain way from the file's lines."""
    answers = [line["answers"] for line in lines]
    relationship = dict.fromkeys(("poor", "fair", "good", "excellent"), 0)
    for a in answers:
        relationship[a["relationship"]] += 1
    n_rel = sum(relationship.values())
    motivations = dict.fromkeys(taxonomy.ids("partnership_domains"), 0)
    for a in answers:
        for m in a["motivations"]:
            motivations[m] += 1
    mentions = sum(motivations.values())
    staff = [Decimal(str(a["international_staff_fte"])) for a in answers]
    return {
        "relationship": {
            "counts": relationship,
            "percent": {k: half_up(Decimal(100 * v) / n_rel) for k, v in relationship.items()},
        },
        "motivations": {
            "counts": motivations,
            "share_of_mentions": {
                k: half_up(Decimal(100 * v) / mentions) for k, v in motivations.items()
            },
            "share_of_respondents": {
                k: half_up(Decimal(100 * v) / len(answers)) for k, v in motivations.items()
            },
        },
        "international_staff_fte": {
            "n": len(staff),
            "mean": half_up(sum(staff) / len(staff)),
            "median": half_up(statistics.median(staff)),
        },
    }


def test_import_then_results_json_equal_an_independent_tally(poll, capsys, tmp_path):
    poll.open(anonymity="identified")
    path = tmp_path / "responses.jsonl"
    path.write_bytes(jsonl(LINES))
    call_command("import", "survey-responses", "directors-poll", str(path))
    call_command("survey", "results", "directors-poll", "--year", "2026", "--format", "json")
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{") :])
    assert list(data) == ["survey", "responses", "questions"]
    assert data["survey"] == "directors-poll" and data["responses"] == 7
    expected = independent_tally(LINES)
    for key, figures in expected.items():
        assert data["questions"][key] == figures, key
    # Share of mentions adds up to 100 % (up to rounding), as GMF's shares do.
    assert abs(sum(data["questions"]["motivations"]["share_of_mentions"].values()) - 100) < 0.6
    incidents = data["questions"]["incidents"]
    assert (
        incidents["counts"]["demand"] == 2 and incidents["share_of_respondents"]["demand"] == 100.0
    )


def test_rounding_is_half_up(poll):
    from twinwise.surveys.tally import pct

    assert pct(1, 8) == 12.5
    assert pct(1, 6) == 16.7
    assert pct(49, 400) == 12.3  # 12.25 → 12.3 (half up, not half even)
    assert pct(0, 0) == 0.0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [{"member": "lyon", "answers": {"relationship": "good"}}],
            "line 1, field motivations: this question must be answered",
        ),
        (
            [LINES[0], {**LINES[1], "answers": {**LINES[1]["answers"], "mood": "calm"}}],
            "line 2, field mood: there is no question 'mood'",
        ),
        (
            [LINES[0], {**LINES[1], "answers": {**LINES[1]["answers"], "relationship": "great"}}],
            "line 2, field relationship: 'great' is not one of the options",
        ),
        (
            [{**LINES[0], "answers": {**LINES[0]["answers"], "international_staff_fte": 1e9}}],
            "line 1, field international_staff_fte: 1000000000.0 is out of range",
        ),
        (
            [LINES[0], LINES[1], LINES[0]],
            "line 3, field member: a second response from lyon (the first is on line 1)",
        ),
        ([{"member": "atlantis", "answers": {}}], "line 1, field member: no member organisation"),
        ([{"member": "pilsen", "answers": {}}], "line 1, field member: pilsen was not invited"),
    ],
)
def test_bad_import_lines_name_line_and_question_and_store_nothing(poll, tmp_path, lines, message):
    poll.open()
    with pytest.raises(UserFacingError) as error:
        responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(lines))
    assert str(error.value).startswith(message)
    assert not Response.objects.exists()


def test_import_refuses_organisations_that_answered_and_closed_campaigns(poll):
    campaign = poll.open()
    response_submit(actor=poll.actor("lyon_admin"), campaign=campaign, answers=LINES[0]["answers"])
    with pytest.raises(UserFacingError, match="line 2, field member: lyon has already submitted"):
        responses_import(
            actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[1:2] + LINES[:1])
        )
    assert Response.objects.count() == 1
    campaign_close(actor=poll.coordinator, campaign=campaign)
    with pytest.raises(UserFacingError, match="is closed"):
        responses_import(
            actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[1:2])
        )


def test_command_errors_exit_2_with_one_line(poll, tmp_path, capsys):
    poll.open()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"member": "lyon", "answers": {"relationship": "great"}}\n')
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "survey-responses", "directors-poll", str(bad))
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("twinwise: error: line 1, field relationship:") and "\n" not in err
    with pytest.raises(SystemExit):
        call_command("survey", "results", "no-such-poll")


def test_fully_anonymous_results_need_five_responses(poll):
    campaign = poll.open(anonymity="full")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[:4]))
    assert campaign_results(actor=poll.coordinator, campaign=campaign).withheld
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[4:5]))
    results = campaign_results(actor=poll.coordinator, campaign=campaign)
    assert not results.withheld and results.responses == 5
    assert Response.objects.filter(campaign=campaign, organisation__isnull=False).count() == 0


def test_breakdowns_suppress_small_groups_in_anonymous_campaigns(poll):
    campaign = poll.open(anonymity="peers")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES))
    by_region = breakdown(
        actor=poll.coordinator, campaign=campaign, dimension="region", question_key="relationship"
    )
    rows = {row["group"]: row for row in by_region["rows"]}
    # Europe has 6, North America 1: the lone group is hidden, and so is the other one,
    # since Europe = total − North America.
    assert rows["north-america"]["suppressed"] and rows["europe"]["suppressed"]
    by_country = breakdown(
        actor=poll.coordinator, campaign=campaign, dimension="country", question_key="relationship"
    )
    assert all(row["suppressed"] for row in by_country["rows"])  # no country has five
    identified = poll.open(year=2027, anonymity="identified")
    responses_import(
        actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES), year=2027
    )
    rows = breakdown(
        actor=poll.coordinator,
        campaign=identified,
        dimension="country",
        question_key="relationship",
    )["rows"]
    fr = next(row for row in rows if row["group"] == "FR")
    assert not fr["suppressed"] and fr["figures"]["counts"]["good"] == 1 and fr["n"] == 2
    with pytest.raises(UserFacingError):
        breakdown(
            actor=poll.coordinator,
            campaign=identified,
            dimension="mood",
            question_key="relationship",
        )


def test_trend_and_peers(poll):
    first = poll.open(year=2025, anonymity="identified")
    responses_import(
        actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[:5]), year=2025
    )
    campaign_close(actor=poll.coordinator, campaign=first)
    poll.open(year=2026, anonymity="identified")
    responses_import(
        actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES), year=2026
    )
    years = trend(
        actor=poll.actor("lyon_officer"), survey=poll.survey, question_key="relationship"
    )["years"]
    assert [(y["year"], y["n"]) for y in years] == [(2025, 5), (2026, 7)]
    assert years[0]["figures"]["counts"]["good"] == 2
    comparison = peers_comparison(actor=poll.actor("lyon_officer"), campaign=first)
    assert comparison["peers_n"] == 4
    row = next(r for r in comparison["rows"] if r["question"].key == "relationship")
    assert row["mine"] == "good" and row["peers"]["counts"]["good"] == 1


def test_results_are_for_the_network_only(poll):
    campaign = poll.open(organisations=[poll.orgs["lyon"]])
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[:1]))
    assert campaign_results(actor=poll.actor("lyon_officer"), campaign=campaign).responses == 1
    assert campaign_results(actor=poll.actor("munich_admin"), campaign=campaign).responses == 0
    assert campaign_results(actor=Actor.anonymous(), campaign=campaign).responses == 0


def test_api_results_go_through_the_policy(poll, client):
    from tests.accounts.conftest import sign_in_verified

    poll.open(anonymity="identified")
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES))
    assert client.get("/api/v1/surveys/directors-poll/results").status_code == 401
    sign_in_verified(client, poll.users["lyon_officer"])
    data = client.get("/api/v1/surveys/directors-poll/results?year=2026").json()
    assert data["questions"]["relationship"] == independent_tally(LINES)["relationship"]
    bad = client.get("/api/v1/surveys/directors-poll/results?year=twenty")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "year"
    assert client.get("/api/v1/surveys/directors-poll/results?colour=red").status_code == 400
    assert client.get("/api/v1/surveys/directors-poll/results?year=2030").status_code == 400
    assert client.get("/api/v1/surveys/nothing/results").status_code == 404


def test_command_prints_csv(poll, capsys):
    poll.open()
    responses_import(actor=Actor.operator(), survey_slug="directors-poll", data=jsonl(LINES[:2]))
    call_command("survey", "results", "directors-poll", "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "survey,year,question,value,count,percent,share_of_mentions"
    assert "directors-poll,2026,,responses,2,," in lines
    assert "directors-poll,2026,relationship,fair,1,50.0," in lines
