"""Survey pages: campaigns to answer, the answer form (officers draft, admins submit), results
with charts and GMF's figures, breakdowns, the trend, "you and your peers", the capacity
benchmark, exports, and the coordinators' pages (open, close, remind, build).

Who may see or do what is the access policy's: invisible is 404, visible but not allowed 403.
"""

import datetime as dt
import json
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twinwise.access.actors import actor_for
from twinwise.access.policy import PermissionDenied, can, can_model
from twinwise.accounts.decorators import member_required
from twinwise.core.errors import UserFacingError
from twinwise.core.htmx import is_htmx
from twinwise.directory.models import Place

from . import selectors, services
from .answers import answer_errors, specs_for
from .exports import results_csv, results_xlsx
from .models import Anonymity, Campaign, CounterpartStaffing, QuestionKind, Survey
from .presenters import answer_fields, chart_payload, parse_answers, question_rows

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE)


def policy_errors(view):
    """The access policy's PermissionDenied (visible, but not allowed) is a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "surveys/forbidden.html", {"reason": str(exc)}, status=403)

    return wrapper


def _campaign(request, pk: int, action: str = "view") -> Campaign:
    return selectors.campaign_get(actor=actor_for(request), pk=pk, action=action)


# -- the campaigns ---------------------------------------------------------------------------


@member_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    campaigns = list(selectors.campaign_list(actor=actor))
    done = set()
    if actor.organisation_id:
        for campaign in campaigns:
            if selectors.has_participated(actor=actor, campaign=campaign):
                done.add(campaign.pk)
    context = {
        "campaigns": [(c, c.pk in done) for c in campaigns],
        "is_coordinator": can_model(actor, Campaign, "create"),
        "surveys": selectors.survey_list(actor=actor),
    }
    return render(request, "surveys/campaign_list.html", context)


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Coordinators open a survey for a year, to every verified member or to some."""
    actor = actor_for(request)
    if not can_model(actor, Campaign, "create"):
        raise PermissionDenied(_("Only the network's coordinators open campaigns."))
    orgs = selectors.organisations_for_campaign()
    values = {
        "survey": "directors-poll",
        "anonymity": Anonymity.PEERS,
        "to": "all",
        "year": str(dt.date.today().year),
    }
    error = None
    if request.method == "POST":
        values = request.POST
        try:
            survey = selectors.survey_get(actor=actor, slug=values.get("survey", ""))
            chosen = None
            if values.get("to") == "selected":
                chosen = list(orgs.filter(slug__in=values.getlist("organisations")))
                if not chosen:
                    raise UserFacingError(
                        _("choose at least one member organisation"), field="organisations"
                    )
            campaign = services.campaign_open(
                actor=actor,
                survey=survey,
                year=values.get("year", ""),
                anonymity=values.get("anonymity", ""),
                organisations=chosen,
                closes_on=_date(values.get("closes_on", "")),
            )
        except UserFacingError as exc:
            error = exc
        else:
            messages.success(request, _("The campaign is open."))
            return redirect("surveys:campaign", campaign.pk)
    context = {
        "surveys": selectors.survey_list(actor=actor),
        "orgs": orgs,
        "anonymity_choices": Anonymity.choices,
        "values": values,
        "chosen": set(values.getlist("organisations")) if hasattr(values, "getlist") else set(),
        "error": error,
    }
    return render(request, "surveys/campaign_new.html", context, status=400 if error else 200)


def _date(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserFacingError(_("give the date as YYYY-MM-DD"), field="closes_on") from None


@member_required
@policy_errors
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    campaign = _campaign(request, pk)
    manage = can(actor, "manage", campaign)
    context = {
        "campaign": campaign,
        "manage": manage,
        "can_answer": can(actor, "answer", campaign),
        "response": selectors.own_response(actor=actor, campaign=campaign),
        "participated": selectors.has_participated(actor=actor, campaign=campaign),
        "participations": selectors.participations(actor=actor, campaign=campaign)
        if manage
        else [],
        "invited": services.campaign_organisations(campaign) if manage else [],
    }
    return render(request, "surveys/campaign_detail.html", context)


@member_required
@policy_errors
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    try:
        services.campaign_close(actor=actor_for(request), campaign=campaign)
    except UserFacingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The campaign is closed. Results are final."))
    return redirect("surveys:campaign", pk)


@member_required
@policy_errors
@require_POST
def campaign_remind(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    link = request.build_absolute_uri(reverse("surveys:answer", args=[pk]))
    try:
        sent = services.campaign_remind(actor=actor_for(request), campaign=campaign, link=link)
    except UserFacingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d reminders sent.") % {"n": sent})
    return redirect("surveys:campaign", pk)


# -- answering -------------------------------------------------------------------------------


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def campaign_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The form: officers save drafts, admins submit (and change until the campaign closes)."""
    actor = actor_for(request)
    campaign = _campaign(request, pk)
    if selectors.has_participated(actor=actor, campaign=campaign) and (
        campaign.anonymity == Anonymity.FULL
    ):
        return render(request, "surveys/answer_done.html", {"campaign": campaign})
    if not campaign.is_open:
        return render(request, "surveys/answer_done.html", {"campaign": campaign, "closed": True})
    if not can(actor, "answer", campaign):
        raise PermissionDenied(_("This campaign was not opened to your organisation."))
    response = selectors.own_response(actor=actor, campaign=campaign)
    questions = selectors.questions_of(campaign.survey)
    values = response.answers if response else {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        raw = parse_answers(questions, request.POST)
        must_be_complete = submit or (response is not None and response.state == "submitted")
        errors = answer_errors(specs_for(campaign.survey), raw, complete=must_be_complete)
        values = raw
        if not errors:
            try:
                if submit:
                    services.response_submit(actor=actor, campaign=campaign, answers=raw)
                    messages.success(request, _("Your organisation's answers are submitted."))
                    return redirect("surveys:campaign", pk)
                services.response_save(actor=actor, campaign=campaign, answers=raw)
            except UserFacingError as exc:
                errors[exc.field or "campaign"] = exc.message
            else:
                messages.success(request, _("Your answers are saved."))
                return redirect("surveys:answer", pk)
        status = 400
    context = {
        "campaign": campaign,
        "response": response,
        "sections": answer_fields(questions, values, errors),
        "errors": errors,
        "error_list": [
            (f"q-{key}", _label_for(questions, key), message) for key, message in errors.items()
        ],
        "is_admin": actor.is_org_admin,
        "readonly": response is not None
        and response.state == "submitted"
        and not actor.is_org_admin,
    }
    return render(request, "surveys/answer.html", context, status=status)


def _label_for(questions, key: str) -> str:
    for question in questions:
        if question.key == key:
            return question.text
    return ""


# -- results ---------------------------------------------------------------------------------


@member_required
@policy_errors
@require_GET
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    campaign = _campaign(request, pk, "results")
    questions = selectors.questions_of(campaign.survey)
    choice_questions = [q for q in questions if q.kind in CHOICE_KINDS]
    default_q = choice_questions[0].key if choice_questions else ""
    try:
        part = _breakdown_and_trend(request, actor, campaign, default_q)
    except UserFacingError as exc:
        return render(request, "surveys/error.html", {"error": exc}, status=400)
    if is_htmx(request) and request.GET.get("part") in ("breakdown", "trend"):
        name = request.GET["part"]
        return render(request, f"surveys/results.html#{name}", {"campaign": campaign, **part})
    results = selectors.campaign_results(actor=actor, campaign=campaign)
    rows = question_rows(questions, results)
    gmf = selectors.gmf_comparison(results) if campaign.survey.slug == "directors-poll" else None
    context = {
        "campaign": campaign,
        "results": results,
        "rows": rows,
        "gmf": gmf,
        "choice_questions": choice_questions,
        "identified": selectors.identified_responses(actor=actor, campaign=campaign)
        if campaign.anonymity == Anonymity.IDENTIFIED or can(actor, "manage", campaign)
        else [],
        "questions": questions,
        "charts": chart_payload(rows, gmf, None),
        "min_cell": selectors.MIN_CELL,
        **part,
    }
    return render(request, "surveys/results.html", context)


def _breakdown_and_trend(request, actor, campaign: Campaign, default_q: str) -> dict:
    if not default_q:
        return {"breakdown": None, "trend": None}
    by = request.GET.get("by", "region")
    question = request.GET.get("question", default_q)
    trend_q = request.GET.get("trend", default_q)
    trend = selectors.trend(actor=actor, survey=campaign.survey, question_key=trend_q)
    labels = _option_labels(campaign.survey)
    return {
        "breakdown": selectors.breakdown(
            actor=actor, campaign=campaign, dimension=by, question_key=question
        ),
        "trend": trend,
        "trend_chart": chart_payload([], None, trend, labels).get("chart-trend"),
        "labels": labels,
        "dimensions": [
            ("region", _("World region")),
            ("country", _("Country")),
            ("band", _("Population")),
        ],
    }


def _option_labels(survey: Survey) -> dict:
    return {
        q.key: {o.value: o.label for o in q.options.all()} for q in selectors.questions_of(survey)
    }


@member_required
@policy_errors
@require_GET
def results_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404("No such format.")
    actor = actor_for(request)
    campaign = _campaign(request, pk, "results")
    name = f"{campaign.survey.slug}-{campaign.year}-results"
    if fmt == "csv":
        response = HttpResponse(
            results_csv(actor=actor, campaign=campaign), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            results_xlsx(actor=actor, campaign=campaign),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        try:
            data = selectors.results_json(
                actor=actor, slug=campaign.survey.slug, year=campaign.year
            )
        except UserFacingError as exc:
            return render(request, "surveys/error.html", {"error": exc}, status=400)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@member_required
@policy_errors
@require_GET
def campaign_peers(request: HttpRequest, pk: int) -> HttpResponse:
    """Your organisation's answers beside everyone else's (only your organisation sees it)."""
    actor = actor_for(request)
    campaign = _campaign(request, pk, "results")
    if actor.organisation_id is None:
        raise PermissionDenied(_("This page compares a member organisation with its peers."))
    comparison = selectors.peers_comparison(actor=actor, campaign=campaign)
    context = {
        "campaign": campaign,
        "c": comparison,
        "labels": _option_labels(campaign.survey),
        "min_cell": selectors.MIN_CELL,
    }
    return render(request, "surveys/peers.html", context)


# -- the capacity benchmark ------------------------------------------------------------------


@member_required
@policy_errors
@require_GET
def campaign_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    campaign = _campaign(request, pk, "results")
    capacity = selectors.capacity(actor=actor, campaign=campaign)
    asymmetry = selectors.asymmetry(actor=actor, campaign=campaign)
    chart = {
        "asymmetry": {
            "type": "bar",
            "horizontal": True,
            "labels": [
                f"{r['partnership'].local.name} – {r['counterpart'].name}" for r in asymmetry
            ],
            "datasets": [
                {"label": _("International staff (FTE)"), "values": [r["fte"] for r in asymmetry]},
                {
                    "label": _("Foreign Affairs Office staff"),
                    "values": [r["staffing"].staff for r in asymmetry],
                },
            ],
        }
    }
    context = {
        "campaign": campaign,
        "capacity": capacity,
        "groups": [
            (_("By country"), capacity["by_country"]),
            (_("By population"), capacity["by_band"]),
        ],
        "asymmetry": asymmetry,
        "chart": chart,
        "staffing": selectors.staffing_list(actor=actor)[:50],
        "min_cell": selectors.MIN_CELL,
    }
    return render(request, "surveys/capacity.html", context)


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def staffing_new(request: HttpRequest) -> HttpResponse:
    """What is known of a Chinese city's Foreign Affairs Office staff, with its source."""
    actor = actor_for(request)
    if not can_model(actor, CounterpartStaffing, "create"):
        raise PermissionDenied(_("Only members and coordinators record staffing figures."))
    values = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            place = _chinese_place(values.get("place", ""))
            services.counterpart_staffing_create(
                actor=actor,
                place=place,
                staff=values.get("staff"),
                year=values.get("year"),
                source=values.get("source", ""),
                source_url=values.get("source_url", ""),
            )
        except UserFacingError as exc:
            error = exc
        else:
            messages.success(request, _("The figure is recorded, with its source."))
            back = request.POST.get("next", "")
            if back.startswith("/surveys/") and "//" not in back:
                return redirect(back)
            return redirect("surveys:staffing_new")
    context = {
        "values": values,
        "error": error,
        "next": request.GET.get("next", values.get("next", "") if values else ""),
        "staffing": selectors.staffing_list(actor=actor)[:50],
    }
    return render(request, "surveys/staffing_new.html", context, status=400 if error else 200)


def _chinese_place(text: str) -> Place:
    places = selectors.chinese_places(text, limit=1)
    if not places:
        raise UserFacingError(
            _("%(name)r is not a Chinese city we know") % {"name": text}, field="place"
        )
    return places[0]


def _option_line(line: str) -> tuple[str, str, dict]:
    """ "id|label|de:Kultur;fr:Culture" → (id, label, {"de": "Kultur", "fr": "Culture"})."""
    parts = [part.strip() for part in line.split("|")]
    value = parts[0]
    label = parts[1] if len(parts) > 1 else value
    translations = {}
    for item in (parts[2] if len(parts) > 2 else "").split(";"):
        lang, _sep, text = item.partition(":")
        if lang.strip():
            translations[lang.strip()] = text
    return value, label, translations


# -- the questionnaire builder ---------------------------------------------------------------


@member_required
@policy_errors
@require_POST
def question_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Coordinators remove a question from a questionnaire no campaign has opened."""
    actor = actor_for(request)
    survey = selectors.survey_get(actor=actor, slug=slug)
    try:
        services.question_delete(actor=actor, survey=survey, key=request.POST.get("key", ""))
    except UserFacingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question is removed."))
    return redirect("surveys:survey", survey.slug)


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    if not can_model(actor, Survey, "create"):
        raise PermissionDenied(_("Only the network's coordinators build surveys."))
    error = None
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            survey = services.survey_create(
                actor=actor,
                slug=values.get("slug", ""),
                title=values.get("title", ""),
                description=values.get("description", ""),
            )
        except UserFacingError as exc:
            error = exc
        else:
            return redirect("surveys:survey", survey.slug)
    return render(
        request,
        "surveys/survey_new.html",
        {"values": values, "error": error},
        status=400 if error else 200,
    )


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The questionnaire; coordinators add questions until a campaign opens it."""
    actor = actor_for(request)
    survey = selectors.survey_get(actor=actor, slug=slug)
    editable = can(actor, "edit", survey)
    error = None
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        options = [
            _option_line(line) for line in values.get("options", "").splitlines() if line.strip()
        ]
        translations = {}
        if values.get("translation_lang") and values.get("translation_text"):
            translations[values["translation_lang"].strip()] = {
                "text": values["translation_text"].strip()
            }
        try:
            services.question_add(
                actor=actor,
                survey=survey,
                section_title=values.get("section", ""),
                key=values.get("key", ""),
                kind=values.get("kind", ""),
                text=values.get("text", ""),
                help_text=values.get("help_text", ""),
                required=values.get("required") == "on",
                options=options,
                min_value=values.get("min_value"),
                max_value=values.get("max_value"),
                translations=translations,
            )
        except UserFacingError as exc:
            error = exc
        else:
            messages.success(request, _("The question is added."))
            return redirect("surveys:survey", survey.slug)
    context = {
        "survey": survey,
        "questions": selectors.questions_of(survey),
        "editable": editable,
        "kinds": QuestionKind.choices,
        "values": values,
        "error": error,
    }
    return render(request, "surveys/survey_detail.html", context, status=400 if error else 200)
