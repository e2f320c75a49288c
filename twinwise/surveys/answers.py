"""Checking answers against a questionnaire: one function used by the form, the API and the
import, so they accept and refuse exactly the same things. Errors name the question."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Country, Place
from twinwise.directory.resolution import normalise_name

from .models import Question, QuestionKind, Survey

MAX_TEXT = 5_000


@dataclass(frozen=True)
class QuestionSpec:
    """What answering needs to know of a question (read once per survey)."""

    key: str
    kind: str
    required: bool
    options: tuple[str, ...]
    min_value: Decimal | None
    max_value: Decimal | None


def specs_for(survey: Survey) -> dict[str, QuestionSpec]:
    questions = Question.objects.filter(survey=survey).prefetch_related("options")
    return {
        q.key: QuestionSpec(
            key=q.key,
            kind=q.kind,
            required=q.required,
            options=tuple(o.value for o in q.options.all()),
            min_value=q.min_value,
            max_value=q.max_value,
        )
        for q in questions
    }


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def clean_answers(
    specs: dict[str, QuestionSpec], answers, *, complete: bool, line: int | None = None
) -> dict:
    """Checked, normalised answers; `complete` also requires every required question."""
    if not isinstance(answers, dict):
        raise UserFacingError(_("answers must be an object of question ids"), line=line)
    clean: dict = {}
    for key, value in answers.items():
        spec = specs.get(key)
        if spec is None:
            raise UserFacingError(
                _("there is no question %(key)r in this survey; questions are: %(keys)s")
                % {"key": key, "keys": ", ".join(specs)},
                field=str(key),
                line=line,
            )
        if is_empty(value):
            continue
        try:
            clean[key] = _clean_one(spec, value)
        except ValueError as exc:
            raise UserFacingError(str(exc), field=key, line=line) from None
    if complete:
        for key, spec in specs.items():
            if spec.required and key not in clean:
                raise UserFacingError(_("this question must be answered"), field=key, line=line)
    return clean


def _clean_one(spec: QuestionSpec, value):
    if spec.kind == QuestionKind.SINGLE:
        if not isinstance(value, str) or value not in spec.options:
            raise ValueError(_not_offered(value, spec))
        return value
    if spec.kind == QuestionKind.MULTIPLE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(_("give a list of options"))
        chosen = list(dict.fromkeys(value))
        for item in chosen:
            if not isinstance(item, str) or item not in spec.options:
                raise ValueError(_not_offered(item, spec))
        return [o for o in spec.options if o in chosen]
    if spec.kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        return _number(spec, value)
    if spec.kind == QuestionKind.TEXT:
        if not isinstance(value, str):
            raise ValueError(_("give a text"))
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise ValueError(
                _("this is %(n)d characters long; the limit is %(limit)d")
                % {"n": len(value), "limit": MAX_TEXT}
            )
        return value
    if spec.kind == QuestionKind.COUNTRY:
        code = value.strip().upper() if isinstance(value, str) else ""
        if not Country.objects.filter(iso2=code).exists():
            raise ValueError(
                _("%(value)r is not a country code such as DE or FR") % {"value": value}
            )
        return code
    return _city(value)


def _not_offered(value, spec: QuestionSpec) -> str:
    return _("%(value)r is not one of the options offered: %(options)s") % {
        "value": value,
        "options": ", ".join(spec.options),
    }


def _number(spec: QuestionSpec, value):
    typed = value.strip() if isinstance(value, str) else value
    if isinstance(value, bool):
        raise ValueError(_("give a number"))
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError(_("%(value)r is not a number") % {"value": value}) from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(_("give a number"))
    if spec.kind == QuestionKind.SCALE and value != int(value):
        raise ValueError(_("give a whole number"))
    low, high = spec.min_value, spec.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(
            _("%(value)s is out of range: give a number from %(min)s to %(max)s")
            % {"value": typed, "min": _plain(low), "max": _plain(high)}
        )
    if value == int(value):
        return int(value)
    return round(float(value), 2)


def _plain(bound: Decimal | None) -> str:
    if bound is None:
        return "…"
    return f"{bound.normalize():f}"


def _city(value) -> int:
    """A Chinese-side city: by GeoNames id, or by name (the largest place of that name)."""
    places = Place.objects.exclude(country__china_side="").exclude(geonameid__isnull=True)
    if isinstance(value, int) and not isinstance(value, bool):
        if places.filter(geonameid=value).exists():
            return value
        raise ValueError(_("no Chinese city has the GeoNames id %(value)s") % {"value": value})
    needle = normalise_name(value) if isinstance(value, str) else ""
    if needle:
        match = (
            places.filter(search_text__contains=f"|{needle}|")
            .order_by("-population", "pk")
            .values_list("geonameid", flat=True)
            .first()
        )
        if match:
            return match
    raise ValueError(_("%(value)r is not a Chinese city we know") % {"value": value})


def answer_errors(specs: dict[str, QuestionSpec], answers: dict, *, complete: bool) -> dict:
    """Every problem at once, {question key: message} (the form shows them all)."""
    errors: dict[str, str] = {}
    for key, value in answers.items():
        try:
            clean_answers(specs, {key: value}, complete=False)
        except UserFacingError as exc:
            errors[key] = exc.message
    if complete:
        for key, spec in specs.items():
            if spec.required and key not in errors and is_empty(answers.get(key)):
                errors[key] = _("this question must be answered")
    return errors
