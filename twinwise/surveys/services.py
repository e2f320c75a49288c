"""Writes of surveys: building questionnaires, opening and closing campaigns, reminders,
drafting and submitting responses, the import, and counterpart staffing. Each service asks
the access policy first and runs in one transaction."""

import json
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied, require, require_model
from twinwise.access.surveys_rules import is_coordinator
from twinwise.accounts.models import Organisation, User
from twinwise.core.errors import UserFacingError
from twinwise.core.versioning import bump
from twinwise.directory.models import Place

from .answers import clean_answers, specs_for
from .models import (
    Anonymity,
    Campaign,
    CampaignOrganisation,
    CampaignState,
    CounterpartStaffing,
    Option,
    Participation,
    Question,
    QuestionKind,
    Response,
    ResponseState,
    Section,
    Survey,
)
from .segments import segment_of

DATA_SET = "surveys"
MIN_YEAR, MAX_YEAR = 2000, 2100


# -- the questionnaire builder -----------------------------------------------------------


@transaction.atomic
def survey_create(*, actor: Actor, slug: str, title: str, description: str = "") -> Survey:
    """A new, empty questionnaire (coordinators)."""
    require_model(actor, Survey, "create")
    slug = slugify(slug or title)
    title = (title or "").strip()
    if not title:
        raise UserFacingError(_("give the survey a title"), field="title")
    if not slug:
        raise UserFacingError(_("give the survey a short id of letters and digits"), field="slug")
    if Survey.objects.filter(slug=slug).exists():
        raise UserFacingError(
            _("a survey with the id %(slug)r exists") % {"slug": slug}, field="slug"
        )
    return Survey.objects.create(slug=slug, title=title[:200], description=description.strip())


@transaction.atomic
def question_add(
    *,
    actor: Actor,
    survey: Survey,
    section_title: str,
    key: str,
    kind: str,
    text: str,
    help_text: str = "",
    required: bool = False,
    options: list[tuple[str, str]] | None = None,
    min_value=None,
    max_value=None,
    translations: dict | None = None,
) -> Question:
    """Add a question (and its section, when new) to a questionnaire nobody answered yet."""
    require(actor, "edit", survey)
    key = (key or "").strip()
    if not key or slugify(key).replace("-", "_") != key.replace("-", "_") or len(key) > 60:
        raise UserFacingError(
            _("use a short id of lower-case letters, digits, - and _"), field="key"
        )
    if Question.objects.filter(survey=survey, key=key).exists():
        raise UserFacingError(
            _("this survey already has a question %(key)r") % {"key": key}, field="key"
        )
    if kind not in QuestionKind.values:
        raise UserFacingError(
            _("choose one of: %(kinds)s") % {"kinds": ", ".join(QuestionKind.values)}, field="kind"
        )
    text = (text or "").strip()
    if not text:
        raise UserFacingError(_("write the question"), field="text")
    options = [_clean_option(option) for option in (options or []) if option[0].strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise UserFacingError(_("a choice question needs at least two options"), field="options")
    if len({value for value, *_rest in options}) != len(options):
        raise UserFacingError(_("two options have the same id"), field="options")
    low, high = _bound(min_value, "min_value"), _bound(max_value, "max_value")
    if kind == QuestionKind.SCALE and (low is None or high is None):
        raise UserFacingError(_("a scale needs its lowest and highest value"), field="max_value")
    if low is not None and high is not None and low > high:
        raise UserFacingError(_("the lowest value is above the highest"), field="min_value")
    section_title = (section_title or "").strip() or _("Questions")
    section, _created = Section.objects.get_or_create(
        survey=survey,
        key=slugify(section_title)[:60] or "questions",
        defaults={"title": section_title[:200], "position": survey.sections.count()},
    )
    question = Question.objects.create(
        survey=survey,
        section=section,
        key=key,
        kind=kind,
        text=text[:500],
        help_text=(help_text or "").strip()[:1000],
        required=bool(required),
        min_value=low,
        max_value=high,
        position=section.questions.count(),
        translations=_clean_translations(translations),
    )
    for position, (value, label, option_translations) in enumerate(options):
        Option.objects.create(
            question=question,
            value=value,
            label=label or value,
            position=position,
            translations=option_translations,
        )
    return question


@transaction.atomic
def question_delete(*, actor: Actor, survey: Survey, key: str) -> None:
    """Remove a question (and its options) from a questionnaire nobody answered yet."""
    require(actor, "edit", survey)
    question = Question.objects.filter(survey=survey, key=key).first()
    if question is None:
        raise UserFacingError(_("this survey has no question %(key)r") % {"key": key}, field="key")
    section = question.section
    question.delete()
    if not section.questions.exists():
        section.delete()


def _clean_option(option: tuple) -> tuple[str, str, dict]:
    """(id, label) or (id, label, {language: label}) → checked (id, label, translations)."""
    value, label, *rest = option
    translations = rest[0] if rest else {}
    if not isinstance(translations, dict) or not all(
        isinstance(lang, str) and len(lang) == 2 and lang.isalpha() and isinstance(text, str)
        for lang, text in translations.items()
    ):
        raise UserFacingError(
            _("give option translations as two-letter code and label"), field="options"
        )
    clean = {
        lang.lower(): text.strip()[:200] for lang, text in translations.items() if text.strip()
    }
    return value.strip()[:60], label.strip()[:200], clean


def _bound(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise UserFacingError(
            _("%(value)r is not a number") % {"value": value}, field=field
        ) from None
    if not number.is_finite() or abs(number) >= Decimal("1e10"):
        raise UserFacingError(_("give a number below ten billion"), field=field)
    return number


def _clean_translations(translations: dict | None) -> dict:
    clean: dict = {}
    for lang, texts in (translations or {}).items():
        if not (isinstance(lang, str) and len(lang) == 2 and lang.isalpha()):
            raise UserFacingError(_("use two-letter language codes"), field="translations")
        if not isinstance(texts, dict):
            raise UserFacingError(_("give the texts of each language"), field="translations")
        clean[lang.lower()] = {
            k: str(v)[:1000] for k, v in texts.items() if k in ("text", "help_text")
        }
    return clean


# -- campaigns ---------------------------------------------------------------------------


@transaction.atomic
def campaign_open(
    *,
    actor: Actor,
    survey: Survey,
    year,
    anonymity: str = Anonymity.PEERS,
    organisations: list[Organisation] | None = None,
    closes_on=None,
) -> Campaign:
    """Open `survey` for `year`, to every verified member (organisations=None) or to some."""
    require_model(actor, Campaign, "create")
    require(actor, "view", survey)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise UserFacingError(_("give the year as four digits"), field="year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise UserFacingError(
            _("give a year from %(a)d to %(b)d") % {"a": MIN_YEAR, "b": MAX_YEAR}, field="year"
        )
    if anonymity not in Anonymity.values:
        raise UserFacingError(
            _("choose one of: %(modes)s") % {"modes": ", ".join(Anonymity.values)},
            field="anonymity",
        )
    if not Question.objects.filter(survey=survey).exists():
        raise UserFacingError(_("this survey has no questions yet"), field="survey")
    if Campaign.objects.filter(survey=survey, year=year).exists():
        raise UserFacingError(
            _("the %(survey)s of %(year)d was already opened")
            % {"survey": survey.title, "year": year},
            field="year",
        )
    if organisations is not None:
        organisations = [o for o in organisations if not o.is_public_record]
        if not organisations:
            raise UserFacingError(
                _("choose at least one member organisation"), field="organisations"
            )
    campaign = Campaign.objects.create(
        survey=survey,
        year=year,
        anonymity=anonymity,
        all_organisations=organisations is None,
        closes_on=closes_on or None,
        opened_by_id=actor.user_id,
    )
    for org in organisations or ():
        CampaignOrganisation.objects.create(campaign=campaign, organisation=org)
    bump(DATA_SET)
    return campaign


@transaction.atomic
def campaign_close(*, actor: Actor, campaign: Campaign) -> Campaign:
    """Close a campaign: no more answers or changes. Drafts never submitted are deleted."""
    require(actor, "manage", campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_open:
        raise UserFacingError(_("this campaign is already closed"), field="campaign")
    campaign.state = CampaignState.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["state", "closed_at", "updated_at"])
    Response.objects.filter(campaign=campaign, state=ResponseState.DRAFT).delete()
    bump(DATA_SET)
    return campaign


def campaign_organisations(campaign: Campaign):
    """The organisations a campaign is opened to."""
    if campaign.all_organisations:
        return Organisation.objects.filter(verified=True, is_public_record=False)
    return Organisation.objects.filter(
        pk__in=CampaignOrganisation.objects.filter(campaign=campaign).values("organisation_id")
    )


@transaction.atomic
def campaign_remind(*, actor: Actor, campaign: Campaign, link: str) -> int:
    """Email the people of organisations that have not submitted yet; returns emails sent."""
    require(actor, "manage", campaign)
    if not campaign.is_open:
        raise UserFacingError(_("this campaign is closed"), field="campaign")
    done = Participation.objects.filter(campaign=campaign).values("organisation_id")
    waiting = campaign_organisations(campaign).exclude(pk__in=done)
    people = (
        User.objects.filter(organisation__in=waiting, is_active=True, role__in=("officer", "admin"))
        .exclude(email="")
        .select_related("organisation")
    )
    subject = _("Reminder: the %(survey)s %(year)d is waiting for your answers") % {
        "survey": campaign.survey.title,
        "year": campaign.year,
    }
    messages = []
    for person in people:
        body = render_to_string(
            "surveys/email/reminder.txt",
            {
                "person": person.get_full_name() or person.get_username(),
                "organisation": person.organisation.name,
                "survey": campaign.survey.title,
                "year": campaign.year,
                "closes_on": campaign.closes_on,
                "link": link,
                "site_name": settings.SITE_NAME,
                "is_admin": person.role == "admin",
            },
        )
        messages.append((subject, body, None, [person.email]))
    sent = send_mass_mail(messages) if messages else 0
    campaign.reminded_at = timezone.now()
    campaign.save(update_fields=["reminded_at", "updated_at"])
    return sent


# -- responses ---------------------------------------------------------------------------


def _require_answerable(actor: Actor, campaign: Campaign) -> None:
    """Visible, open, and opened to the actor's organisation — or a clear refusal."""
    require(actor, "view", campaign)
    if not Campaign.objects.filter(pk=campaign.pk, state=CampaignState.OPEN).exists():
        raise UserFacingError(
            _("this campaign is closed: it takes no more answers or changes"), field="campaign"
        )
    require(actor, "answer", campaign)


def _already_submitted(campaign: Campaign, organisation_id: int) -> bool:
    return Participation.objects.filter(campaign=campaign, organisation_id=organisation_id).exists()


def response_of(actor: Actor, campaign: Campaign) -> Response | None:
    """The actor's organisation's linked response to `campaign`, if any."""
    if actor.organisation_id is None:
        return None
    return Response.objects.filter(campaign=campaign, organisation_id=actor.organisation_id).first()


@transaction.atomic
def response_save(*, actor: Actor, campaign: Campaign, answers: dict) -> Response:
    """Save the organisation's answers as a draft (admins: also change a submitted response)."""
    _require_answerable(actor, campaign)
    specs = specs_for(campaign.survey)
    clean = clean_answers(specs, answers, complete=False)
    response = response_of(actor, campaign)
    if response is None:
        if _already_submitted(campaign, actor.organisation_id):
            raise UserFacingError(
                _("your organisation has already submitted its answers to this campaign"),
                field="campaign",
            )
        response = Response(campaign=campaign, organisation_id=actor.organisation_id)
    else:
        require(actor, "edit", response)
        if response.state == ResponseState.SUBMITTED:
            clean = clean_answers(specs, answers, complete=True)
    response.answers = clean
    response.updated_at = timezone.now()
    response.updated_by_id = actor.user_id
    response.save()
    if response.state == ResponseState.SUBMITTED:
        _set_segment(response, response.organisation)
        response.save()
        bump(DATA_SET)
    return response


@transaction.atomic
def response_submit(
    *, actor: Actor, campaign: Campaign, answers: dict | None = None
) -> Participation:
    """Submit the organisation's response (admins). In a fully anonymous campaign the answers
    are moved to a row without any link to the organisation and the draft is deleted."""
    _require_answerable(actor, campaign)
    response = response_of(actor, campaign)
    if response is None:
        if _already_submitted(campaign, actor.organisation_id):
            raise UserFacingError(
                _("your organisation has already submitted its answers to this campaign"),
                field="campaign",
            )
        response = Response(campaign=campaign, organisation_id=actor.organisation_id)
        if not actor.is_org_admin:
            raise PermissionDenied(_("Only an admin of your organisation submits its answers."))
    else:
        require(actor, "submit", response)
    if answers is None:
        answers = response.answers
    organisation = Organisation.objects.select_related("country", "place").get(
        pk=actor.organisation_id
    )
    return _submit(campaign, organisation, answers, response, user_id=actor.user_id)


def _submit(
    campaign: Campaign,
    organisation: Organisation,
    answers: dict,
    draft: Response | None,
    *,
    user_id: int | None,
    line: int | None = None,
) -> Participation:
    clean = clean_answers(specs_for(campaign.survey), answers, complete=True, line=line)
    now = timezone.now()
    if campaign.anonymity == Anonymity.FULL:
        if draft is not None and draft.pk and not draft._state.adding:
            draft.delete()
        response = Response(campaign=campaign, state=ResponseState.SUBMITTED, answers=clean)
    else:
        response = draft or Response(campaign=campaign, organisation=organisation)
        response.state = ResponseState.SUBMITTED
        response.answers = clean
        response.updated_at = now
        response.updated_by_id = user_id
    _set_segment(response, organisation)
    response.save()
    if campaign.anonymity == Anonymity.FULL:
        _reshuffle_anonymous(campaign)
    participation, _created = Participation.objects.get_or_create(
        campaign=campaign,
        organisation=organisation,
        defaults={"submitted_at": now, "submitted_by_id": user_id},
    )
    bump(DATA_SET)
    return participation


def _reshuffle_anonymous(campaign: Campaign) -> None:
    """Rewrite the campaign's anonymous rows in a random order with new random ids.

    Databases keep rows in insertion order (SQLite's hidden rowid, PostgreSQL's heap), and
    participations are ordered too; without this, the n-th anonymous row would be the n-th
    organisation to submit. After it, no stored order tells the newest row apart.
    """
    rows = list(
        Response.objects.filter(campaign=campaign, organisation__isnull=True).values(
            "answers", "country_id", "region", "population_band"
        )
    )
    Response.objects.filter(campaign=campaign, organisation__isnull=True).delete()
    secrets.SystemRandom().shuffle(rows)
    Response.objects.bulk_create(
        Response(campaign=campaign, state=ResponseState.SUBMITTED, **row) for row in rows
    )


def _set_segment(response: Response, organisation: Organisation) -> None:
    segment = segment_of(organisation)
    response.country_id = segment.country
    response.region = segment.region
    response.population_band = segment.band


# -- the import --------------------------------------------------------------------------


@dataclass
class ImportReport:
    total: int = 0


def responses_import(
    *, actor: Actor, survey_slug: str, data: bytes, year: int | None = None
) -> ImportReport:
    """JSON Lines `{"member": SLUG, "answers": {…}}`, one submitted response per line.

    Every line is checked first (unknown members, questions or options, numbers out of
    range, a second response from the same organisation, a closed campaign); then all are
    written in one transaction, or none.
    """
    if not (actor.is_staff or is_coordinator(actor)):
        raise PermissionDenied(_("Only coordinators import survey responses."))
    survey = Survey.objects.filter(slug=survey_slug).first()
    if survey is None:
        raise UserFacingError(_("there is no survey %(slug)r") % {"slug": survey_slug})
    campaigns = Campaign.objects.filter(survey=survey)
    campaign = (campaigns.filter(year=year) if year else campaigns.order_by("-year")).first()
    if campaign is None:
        raise UserFacingError(
            _("no campaign of %(slug)s%(year)s was opened; open one first")
            % {"slug": survey_slug, "year": f" for {year}" if year else ""}
        )
    require(actor, "manage", campaign)
    if not campaign.is_open:
        raise UserFacingError(
            _("the %(year)d campaign of %(slug)s is closed: it takes no more responses")
            % {"year": campaign.year, "slug": survey_slug}
        )
    rows = _parse_lines(data)
    specs = specs_for(survey)
    invited = set(campaign_organisations(campaign).values_list("slug", flat=True))
    orgs = {
        o.slug: o
        for o in Organisation.objects.filter(slug__in=[slug for _, slug, _ in rows]).select_related(
            "country", "place"
        )
    }
    seen: dict[str, int] = {}
    done = set(
        Participation.objects.filter(campaign=campaign).values_list("organisation__slug", flat=True)
    )
    checked = []
    for line, slug, answers in rows:
        org = orgs.get(slug)
        if org is None:
            raise UserFacingError(
                _("no member organisation has the slug %(slug)r") % {"slug": slug},
                line=line,
                field="member",
            )
        if slug not in invited:
            raise UserFacingError(
                _("%(slug)s was not invited to this campaign") % {"slug": slug},
                line=line,
                field="member",
            )
        if slug in seen:
            raise UserFacingError(
                _("a second response from %(slug)s (the first is on line %(first)d)")
                % {"slug": slug, "first": seen[slug]},
                line=line,
                field="member",
            )
        if slug in done:
            raise UserFacingError(
                _("%(slug)s has already submitted a response to this campaign") % {"slug": slug},
                line=line,
                field="member",
            )
        seen[slug] = line
        checked.append((line, org, clean_answers(specs, answers, complete=True, line=line)))
    with transaction.atomic():
        for line, org, answers in checked:
            draft = Response.objects.filter(campaign=campaign, organisation=org).first()
            try:
                with transaction.atomic():
                    _submit(campaign, org, answers, draft, user_id=actor.user_id, line=line)
            except IntegrityError:
                raise UserFacingError(
                    _("%(slug)s has already submitted a response to this campaign")
                    % {"slug": org.slug},
                    line=line,
                    field="member",
                ) from None
    return ImportReport(total=len(checked))


def _parse_lines(data: bytes) -> list[tuple[int, str, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserFacingError(_("the file is not UTF-8 text")) from None
    rows = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UserFacingError(
                _("not valid JSON: %(error)s") % {"error": exc.msg}, line=number
            ) from None
        if not isinstance(record, dict):
            raise UserFacingError(_("each line must be a JSON object"), line=number)
        unknown = set(record) - {"member", "answers"}
        if unknown:
            raise UserFacingError(
                _("unknown keys %(keys)s; a line has member and answers")
                % {"keys": ", ".join(sorted(unknown))},
                line=number,
            )
        member = record.get("member")
        if not isinstance(member, str) or not member:
            raise UserFacingError(
                _("give the member organisation's slug"), line=number, field="member"
            )
        if "answers" not in record:
            raise UserFacingError(_("give the answers"), line=number, field="answers")
        rows.append((number, member, record["answers"]))
    if not rows:
        raise UserFacingError(_("the file holds no responses"))
    return rows


# -- counterpart staffing ----------------------------------------------------------------


@transaction.atomic
def counterpart_staffing_create(
    *, actor: Actor, place: Place, staff, year, source: str, source_url: str = ""
) -> CounterpartStaffing:
    """Record what is known of a Chinese city's Foreign Affairs Office staff, with its source."""
    require_model(actor, CounterpartStaffing, "create")
    if not place.country.china_side:
        raise UserFacingError(_("choose a Chinese city"), field="place")
    try:
        staff = int(staff)
    except (TypeError, ValueError):
        raise UserFacingError(
            _("give the number of staff as a whole number"), field="staff"
        ) from None
    if not 1 <= staff <= 100_000:
        raise UserFacingError(_("give a number of staff from 1 to 100,000"), field="staff")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise UserFacingError(_("give the year as four digits"), field="year") from None
    if not 1949 <= year <= timezone.now().year:
        raise UserFacingError(_("give a year from 1949 to this year"), field="year")
    source = (source or "").strip()
    if len(source) < 3:
        raise UserFacingError(_("say where the figure comes from"), field="source")
    source_url = (source_url or "").strip()
    if source_url and not source_url.startswith(("https://", "http://")):
        raise UserFacingError(_("give a web address starting with https://"), field="source_url")
    entry = CounterpartStaffing.objects.create(
        place=place,
        staff=staff,
        year=year,
        source=source[:500],
        source_url=source_url[:500],
        organisation_id=actor.organisation_id,
        entered_by_id=actor.user_id,
    )
    bump(DATA_SET)
    return entry
