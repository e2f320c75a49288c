"""Shaping questions, answers and results for the templates and the charts' JSON."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from twinwise.directory.models import Place

from .models import Question, QuestionKind
from .selectors import Results


def translated(obj, field: str) -> str:
    """A question's or section's text in the current language when a translation exists."""
    lang = (get_language() or "en")[:2]
    texts = (obj.translations or {}).get(lang)
    if isinstance(texts, dict) and texts.get(field):
        return texts[field]
    return getattr(obj, field)


def option_label(option) -> str:
    lang = (get_language() or "en")[:2]
    text = (option.translations or {}).get(lang)
    return text if isinstance(text, str) and text else option.label


def parse_answers(questions: list[Question], post) -> dict:
    """The form's fields as an answers dict (empty fields left out)."""
    answers: dict = {}
    for question in questions:
        name = f"q-{question.key}"
        if question.kind == QuestionKind.MULTIPLE:
            value = [v for v in post.getlist(name) if v]
        else:
            value = (post.get(name) or "").strip()
        if value not in ("", []):
            answers[question.key] = value
    return answers


def _city_name(value) -> str:
    if isinstance(value, int):
        place = Place.objects.filter(geonameid=value).first()
        return place.name if place else str(value)
    return value or ""


def answer_fields(questions: list[Question], values: dict, errors: dict) -> list[dict]:
    """Sections with their fields, current values and errors, in order."""
    sections: list[dict] = []
    for question in questions:
        if not sections or sections[-1]["section"].pk != question.section_id:
            sections.append(
                {
                    "section": question.section,
                    "title": translated(question.section, "title"),
                    "fields": [],
                }
            )
        value = values.get(question.key)
        chosen = value if isinstance(value, list) else [value]
        field = {
            "q": question,
            "name": f"q-{question.key}",
            "id": f"q-{question.key}",
            "text": translated(question, "text"),
            "help": translated(question, "help_text"),
            "error": errors.get(question.key, ""),
            "value": "" if value is None else value,
            "options": [
                (o.value, option_label(o), o.value in [str(c) for c in chosen])
                for o in question.options.all()
            ],
        }
        if question.kind == QuestionKind.SCALE:
            low, high = int(question.min_value), int(question.max_value)
            field["options"] = [
                (str(v), str(v), str(v) == str(value)) for v in range(low, high + 1)
            ]
            field["scale_labels"] = question.scale_labels
        if question.kind == QuestionKind.CITY:
            field["value"] = _city_name(value)
        sections[-1]["fields"].append(field)
    return sections


def question_rows(questions: list[Question], results: Results) -> list[dict]:
    """Per question: its figures as table rows (value, label, count, share, share of mentions)."""
    rows = []
    if results.withheld:
        return rows
    for question in questions:
        figures = results.questions.get(question.key, {})
        labels = {o.value: option_label(o) for o in question.options.all()}
        if question.kind == QuestionKind.CITY:
            places = dict(
                Place.objects.filter(
                    geonameid__in=[int(k) for k in figures.get("counts", {}) if k.isdigit()]
                ).values_list("geonameid", "name")
            )
            labels = {str(k): v for k, v in places.items()}
        entry = {
            "q": question,
            "text": translated(question, "text"),
            "answered": results.answered.get(question.key, 0),
            "figures": figures,
            "table": [],
        }
        if "counts" in figures:
            share = figures.get("percent") or figures.get("share_of_respondents", {})
            mentions = figures.get("share_of_mentions", {})
            entry["table"] = [
                (value, labels.get(value, value), count, share.get(value), mentions.get(value))
                for value, count in figures["counts"].items()
            ]
        rows.append(entry)
    return rows


def chart_payload(
    rows: list[dict], gmf: dict | None, trend: dict | None, labels: dict | None = None
) -> dict:
    """Everything the charts draw, for one json_script block (no inline script)."""
    charts: dict = {}
    for row in rows:
        if row["table"] and row["q"].kind != QuestionKind.TEXT:
            charts[f"chart-{row['q'].key}"] = {
                "type": "bar",
                "horizontal": True,
                "percent": True,
                "labels": [label for _v, label, *_rest in row["table"]],
                "datasets": [
                    {
                        "label": _("% of respondents"),
                        "values": [share for *_a, share, _m in row["table"]],
                    }
                ],
            }
    if gmf:
        charts["chart-gmf"] = {
            "type": "bar",
            "horizontal": True,
            "percent": True,
            "labels": [str(r["label"]) for r in gmf["motivations"]],
            "datasets": [
                {"label": _("This network"), "values": [r["network"] for r in gmf["motivations"]]},
                {"label": _("GMF poll, 2021"), "values": [r["gmf"] for r in gmf["motivations"]]},
            ],
        }
    if trend and trend["years"]:
        question = trend["question"]
        values = trend["values"]
        key = "share_of_respondents" if question.kind == QuestionKind.MULTIPLE else "percent"
        shown = [y for y in trend["years"] if not y["withheld"]]
        if values and shown:
            charts["chart-trend"] = {
                "type": "line",
                "percent": True,
                "labels": [str(y["year"]) for y in shown],
                "datasets": [
                    {
                        "label": (labels or {}).get(question.key, {}).get(v, v),
                        "values": [y["figures"].get(key, {}).get(v, 0) for y in shown],
                    }
                    for v in values
                ],
            }
    return charts
