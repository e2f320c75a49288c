"""Reads of surveys, campaigns, responses and results, all through the access policy.

Results are computed from the responses the actor may *tally* (access rule
surveys.response/tally) — pages, the API, exports and the command use the same functions.
In anonymous campaigns a breakdown group with fewer than `MIN_CELL` respondents is
suppressed (and, when only one group is, the next-smallest too, so it cannot be found by
subtraction from the total); a fully anonymous campaign with fewer than `MIN_CELL` responses
shows no results at all.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import get_for, visible
from twinwise.accounts.models import Organisation
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Country, Place, Region
from twinwise.directory.resolution import normalise_name
from twinwise.partnerships.models import Partnership

from .models import (
    Anonymity,
    Campaign,
    CounterpartStaffing,
    Participation,
    Question,
    Response,
    Survey,
)
from .segments import BAND_LABELS, BAND_ORDER
from .tally import (
    MULTIPLE,
    NUMBER,
    SCALE,
    SINGLE,
    QuestionDef,
    number_summary,
    pct,
    round1,
    tally_question,
    values_of,
)
from .tally import tally as tally_answers

MIN_CELL = 5
DIMENSIONS = ("country", "region", "band")
FTE_QUESTION = "international_staff_fte"


# -- questionnaires and campaigns ----------------------------------------------------------


def survey_list(*, actor: Actor) -> QuerySet[Survey]:
    return visible(actor, Survey.objects.all())


def survey_get(*, actor: Actor, slug: str) -> Survey:
    return get_for(actor, Survey.objects.all(), slug=slug)


def questions_of(survey: Survey) -> list[Question]:
    """The questions in order, with section and options (a survey's questions go with it)."""
    return list(
        Question.objects.filter(survey=survey)
        .select_related("section")
        .prefetch_related("options")
        .order_by("section__position", "section_id", "position", "id")
    )


def question_defs(survey: Survey) -> list[QuestionDef]:
    return [
        QuestionDef(
            key=q.key,
            kind=q.kind,
            options=tuple(o.value for o in q.options.all()),
            min_value=q.min_value,
            max_value=q.max_value,
        )
        for q in questions_of(survey)
    ]


def campaign_list(*, actor: Actor, survey: Survey | None = None) -> QuerySet[Campaign]:
    qs = visible(actor, Campaign.objects.select_related("survey"))
    return qs.filter(survey=survey) if survey is not None else qs


def campaign_get(*, actor: Actor, pk: int, action: str = "view") -> Campaign:
    return get_for(actor, Campaign.objects.select_related("survey"), action, pk=pk)


def campaign_for_year(*, actor: Actor, survey: Survey, year: int | None) -> Campaign:
    """The campaign of `survey` in `year` (default: the latest) the actor may read."""
    qs = visible(actor, Campaign.objects.filter(survey=survey).select_related("survey"), "results")
    campaign = (qs.filter(year=year) if year else qs.order_by("-year")).first()
    if campaign is None:
        where = _(" in %(year)s") % {"year": year} if year else ""
        raise UserFacingError(
            _("no results of %(survey)s%(where)s") % {"survey": survey.slug, "where": where},
            field="year",
        )
    return campaign


def participations(*, actor: Actor, campaign: Campaign) -> QuerySet[Participation]:
    return visible(actor, Participation.objects.filter(campaign=campaign)).select_related(
        "organisation"
    )


def own_response(*, actor: Actor, campaign: Campaign) -> Response | None:
    if actor.organisation_id is None:
        return None
    return (
        visible(actor, Response.objects.filter(campaign=campaign))
        .filter(organisation_id=actor.organisation_id)
        .first()
    )


def has_participated(*, actor: Actor, campaign: Campaign) -> bool:
    return (
        participations(actor=actor, campaign=campaign)
        .filter(organisation_id=actor.organisation_id)
        .exists()
    )


def identified_responses(*, actor: Actor, campaign: Campaign) -> list[Response]:
    """Submitted responses the actor may read one by one, with their organisation."""
    return list(
        visible(actor, Response.objects.filter(campaign=campaign, state="submitted"))
        .exclude(organisation__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


# -- results -------------------------------------------------------------------------------


def tallied(*, actor: Actor, campaign: Campaign) -> QuerySet[Response]:
    return visible(actor, Response.objects.filter(campaign=campaign), "tally")


def is_withheld(campaign: Campaign, n: int) -> bool:
    return campaign.anonymity == Anonymity.FULL and n < MIN_CELL


def one_answer(qs: QuerySet[Response], key: str) -> list[dict]:
    """Each response's answer to one question, as `{key: value}` ({} when unanswered):
    the database extracts the one key, so long answer sets are not decoded whole."""
    return [
        {} if value is None else {key: value}
        for value in qs.values_list(f"answers__{key}", flat=True)
    ]


@dataclass
class Results:
    campaign: Campaign
    responses: int
    withheld: bool
    questions: dict = field(default_factory=dict)
    answered: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "survey": self.campaign.survey.slug,
            "responses": self.responses,
            "questions": self.questions,
        }


def campaign_results(*, actor: Actor, campaign: Campaign) -> Results:
    """Counts and percentages per question over the responses the actor may tally."""
    answers = list(tallied(actor=actor, campaign=campaign).values_list("answers", flat=True))
    if is_withheld(campaign, len(answers)):
        return Results(campaign=campaign, responses=len(answers), withheld=True)
    defs = question_defs(campaign.survey)
    figures = tally_answers(defs, answers)
    return Results(
        campaign=campaign,
        responses=len(answers),
        withheld=False,
        questions=figures["questions"],
        answered={q.key: sum(1 for a in answers if q.key in a) for q in defs},
    )


def results_json(*, actor: Actor, slug: str, year: int | None) -> dict:
    """The results JSON of the issue: survey, responses and per-question figures."""
    survey = survey_get(actor=actor, slug=slug)
    campaign = campaign_for_year(actor=actor, survey=survey, year=year)
    results = campaign_results(actor=actor, campaign=campaign)
    if results.withheld:
        raise UserFacingError(
            _(
                "the %(year)d campaign is fully anonymous and has %(n)d responses: results are "
                "shown from %(min)d responses on"
            )
            % {"year": campaign.year, "n": results.responses, "min": MIN_CELL}
        )
    return results.as_json()


# -- breakdowns ----------------------------------------------------------------------------


def _group_label(dimension: str, value: str, countries: dict[str, str]) -> str:
    if not value:
        return _("Not known")
    if dimension == "country":
        return countries.get(value, value)
    if dimension == "region":
        return str(Region(value).label) if value in Region.values else value
    return str(BAND_LABELS.get(value, value))


def breakdown(*, actor: Actor, campaign: Campaign, dimension: str, question_key: str) -> dict:
    """One question's figures per country, region or population band, with suppression."""
    if dimension not in DIMENSIONS:
        raise UserFacingError(_("choose one of: %(d)s") % {"d": ", ".join(DIMENSIONS)}, field="by")
    defs = {q.key: q for q in question_defs(campaign.survey)}
    question = defs.get(question_key)
    if question is None:
        raise UserFacingError(_("no such question in this survey"), field="question")
    column = {"country": "country_id", "region": "region", "band": "population_band"}[dimension]
    groups: dict[str, list[dict]] = defaultdict(list)
    rows = tallied(actor=actor, campaign=campaign).values_list(column, f"answers__{question.key}")
    for value, answer in rows:
        groups[value or ""].append({} if answer is None else {question.key: answer})
    total = sum(len(v) for v in groups.values())
    countries = dict(Country.objects.filter(iso2__in=list(groups)).values_list("iso2", "name"))
    suppress = campaign.anonymity != Anonymity.IDENTIFIED
    small = {g for g, rows in groups.items() if suppress and len(rows) < MIN_CELL}
    if len(small) == 1 and len(groups) > 1:
        # Secondary suppression: one hidden group could be found from the total.
        others = sorted((len(rows), g) for g, rows in groups.items() if g not in small)
        small.add(others[0][1])
    order = BAND_ORDER if dimension == "band" else None
    keys = sorted(
        groups,
        key=lambda g: (
            order.index(g) if order and g in order else 99,
            _group_label(dimension, g, countries),
        ),
    )
    rows = []
    for group in keys:
        answers = groups[group]
        row = {
            "group": group,
            "label": _group_label(dimension, group, countries),
            "n": len(answers),
        }
        if group in small:
            row["suppressed"] = True
        else:
            row["suppressed"] = False
            row["figures"] = tally_question(question, answers)
        rows.append(row)
    return {
        "question": question,
        "dimension": dimension,
        "rows": rows,
        "total": total,
        "withheld": is_withheld(campaign, total),
        "values": _values_for(question, rows),
    }


def _values_for(question: QuestionDef, rows: list[dict]) -> list[str]:
    return list(values_of(question))


# -- year over year ------------------------------------------------------------------------


def trend(*, actor: Actor, survey: Survey, question_key: str) -> dict:
    """One question's figures in every campaign of the survey the actor may read, by year."""
    defs = {q.key: q for q in question_defs(survey)}
    question = defs.get(question_key)
    if question is None:
        raise UserFacingError(_("no such question in this survey"), field="question")
    years = []
    campaigns = visible(actor, Campaign.objects.filter(survey=survey), "results").order_by("year")
    for campaign in campaigns:
        answers = one_answer(tallied(actor=actor, campaign=campaign), question.key)
        entry = {
            "year": campaign.year,
            "n": len(answers),
            "withheld": is_withheld(campaign, len(answers)),
        }
        if not entry["withheld"]:
            entry["figures"] = tally_question(question, answers)
        years.append(entry)
    return {"question": question, "years": years, "values": list(values_of(question))}


# -- you and your peers --------------------------------------------------------------------


def peers_comparison(*, actor: Actor, campaign: Campaign) -> dict:
    """The actor's organisation's answers beside everyone else's (its own members only)."""
    mine = own_response(actor=actor, campaign=campaign)
    own_answers = mine.answers if mine is not None and mine.state == "submitted" else None
    qs = tallied(actor=actor, campaign=campaign)
    if mine is not None:
        qs = qs.exclude(pk=mine.pk)
    answers = list(qs.values_list("answers", flat=True))
    suppressed = campaign.anonymity != Anonymity.IDENTIFIED and len(answers) < MIN_CELL
    rows = []
    for question in questions_of(campaign.survey):
        q = QuestionDef(
            key=question.key,
            kind=question.kind,
            options=tuple(o.value for o in question.options.all()),
            min_value=question.min_value,
            max_value=question.max_value,
        )
        if q.kind not in (SINGLE, MULTIPLE, SCALE, NUMBER):
            continue
        rows.append(
            {
                "question": question,
                "def": q,
                "mine": own_answers.get(q.key) if own_answers else None,
                "mine_values": _as_strings(own_answers.get(q.key) if own_answers else None),
                "peers": None if suppressed else tally_question(q, answers),
            }
        )
    return {
        "response": mine,
        "submitted": own_answers is not None,
        "peers_n": len(answers),
        "suppressed": suppressed,
        "rows": rows,
    }


def _as_strings(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# -- the capacity benchmark ----------------------------------------------------------------


def per_100k(fte, population: int) -> float | None:
    """Staff per 100,000 inhabitants, half up to one decimal."""
    if not population or fte is None:
        return None
    value = Decimal(str(fte)) * 100_000 / Decimal(population)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def capacity(*, actor: Actor, campaign: Campaign) -> dict:
    """International staff per city and per 100,000 inhabitants, by country and band.

    Cities are listed only from responses the actor may read one by one; the groups are
    counted from every response the actor may tally (suppressed below five in anonymous
    campaigns). Per-100,000 figures need the city's population, so fully anonymous responses
    (which keep only the band) count in the staff medians but not in the per-100,000 ones.
    """
    linked = (
        visible(actor, Response.objects.filter(campaign=campaign, state="submitted"))
        .exclude(organisation__isnull=True)
        .order_by("organisation__name")
        .values_list(
            f"answers__{FTE_QUESTION}",
            "organisation__name",
            "organisation__place_id",
            "organisation__population",
            "organisation__place__population",
        )
    )
    cities = []
    for fte, name, place_id, own_population, place_population in linked:
        population = own_population or place_population or 0
        cities.append(
            {
                "organisation": {"name": name, "place_id": place_id},
                "fte": fte,
                "population": population,
                "per_100k": per_100k(fte, population),
            }
        )
    rows = tallied(actor=actor, campaign=campaign).values_list(
        f"answers__{FTE_QUESTION}",
        "country_id",
        "country__name",
        "population_band",
        "organisation__population",
        "organisation__place__population",
    )
    groups = {"country": defaultdict(list), "band": defaultdict(list)}
    names = {}
    for fte, country, country_name, band, own_population, place_population in rows:
        if fte is None:
            continue
        # Linked responses only: anonymous rows have no organisation, hence no population.
        density = per_100k(fte, own_population or place_population or 0)
        groups["country"][country or ""].append((fte, density))
        groups["band"][band].append((fte, density))
        if country:
            names[country] = country_name
    suppress = campaign.anonymity != Anonymity.IDENTIFIED
    tables = {}
    for dimension, grouped in groups.items():
        table = []
        for key, values in grouped.items():
            label = (
                names.get(key, key) if dimension == "country" else str(BAND_LABELS.get(key, key))
            )
            if not key:
                label = _("Not known")
            entry = {"group": key, "label": label, "n": len(values)}
            if suppress and len(values) < MIN_CELL:
                entry["suppressed"] = True
            else:
                densities = [d for _f, d in values if d is not None]
                entry["suppressed"] = False
                entry["fte"] = number_summary([f for f, _d in values])
                entry["per_100k"] = number_summary(densities)
            table.append(entry)
        order = BAND_ORDER if dimension == "band" else []
        table.sort(
            key=lambda e: (order.index(e["group"]) if e["group"] in order else 99, e["label"])
        )
        tables[dimension] = table
    return {"cities": cities, "by_country": tables["country"], "by_band": tables["band"]}


def staffing_list(*, actor: Actor) -> QuerySet[CounterpartStaffing]:
    return visible(actor, CounterpartStaffing.objects.all()).select_related(
        "place__country", "organisation"
    )


def latest_staffing(*, actor: Actor) -> dict[int, CounterpartStaffing]:
    """The most recent known staffing per Chinese place."""
    latest: dict[int, CounterpartStaffing] = {}
    for entry in staffing_list(actor=actor).order_by("place_id", "-year", "-id"):
        latest.setdefault(entry.place_id, entry)
    return latest


def asymmetry(*, actor: Actor, campaign: Campaign) -> list[dict]:
    """Each registry partnership of a city whose staff is known, with a counterpart whose
    Foreign Affairs Office staffing is known: both sides and the ratio."""
    known = latest_staffing(actor=actor)
    if not known:
        return []
    by_place = {
        c["organisation"]["place_id"]: c
        for c in capacity_cities(actor=actor, campaign=campaign)
        if c["fte"] is not None and c["organisation"]["place_id"]
    }
    ties = visible(
        actor,
        Partnership.objects.filter(local_id__in=list(by_place), counterpart_id__in=list(known)),
    ).select_related("local", "counterpart")
    rows = []
    for tie in ties.order_by("local__name", "counterpart__name"):
        city = by_place[tie.local_id]
        staffing = known[tie.counterpart_id]
        ratio = round1_ratio(staffing.staff, city["fte"])
        rows.append(
            {
                "partnership": tie,
                "organisation": city["organisation"],
                "fte": city["fte"],
                "counterpart": tie.counterpart,
                "staffing": staffing,
                "ratio": ratio,
            }
        )
    return rows


def capacity_cities(*, actor: Actor, campaign: Campaign) -> list[dict]:
    return capacity(actor=actor, campaign=campaign)["cities"]


def round1_ratio(staff: int, fte) -> float | None:
    if not fte:
        return None
    return round1(Fraction(staff) / Fraction(Decimal(str(fte))))


def chinese_places(text: str, limit: int = 10) -> list[Place]:
    """Chinese-side places whose names contain `text` (for the staffing form's picker)."""
    needle = normalise_name(text or "")
    if not needle:
        return []
    return list(
        Place.objects.exclude(country__china_side="")
        .filter(search_text__contains=needle)
        .select_related("country")
        .order_by("-population", "pk")[:limit]
    )


def organisations_for_campaign() -> QuerySet[Organisation]:
    """Member organisations a coordinator may open a campaign to."""
    return Organisation.objects.filter(is_public_record=False).order_by("name")


# -- beside GMF's 2021 poll ----------------------------------------------------------------


def gmf_comparison(results: Results) -> dict | None:
    """The network's motivations and relationship beside GMF's 2021 figures (directors' poll)."""
    from . import gmf

    figures = results.questions
    if results.withheld or "motivations" not in figures or "relationship" not in figures:
        return None
    counts = figures["motivations"]["counts"]
    mentions = sum(counts.values())
    rows = [
        {
            "label": label,
            "ids": ids,
            "network": pct(sum(counts.get(i, 0) for i in ids), mentions),
            "gmf": share,
        }
        for ids, label, share in gmf.MOTIVATIONS
    ]
    relationship = figures["relationship"]["counts"]
    answered = sum(relationship.values())
    good = relationship.get("good", 0) + relationship.get("excellent", 0)
    return {
        "motivations": rows,
        "mentions": mentions,
        "relationship": {
            "network": pct(good, answered),
            "answered": answered,
            "gmf": gmf.RELATIONSHIP_GOOD_OR_EXCELLENT,
        },
        "source_title": gmf.SOURCE_TITLE,
        "source_url": gmf.SOURCE_URL,
        "year": gmf.YEAR,
    }
