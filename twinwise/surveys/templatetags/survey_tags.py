"""Small filters for the survey pages."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key], or '' (dicts in templates keyed by variables)."""
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(key, "")


@register.filter
def share(figures, value):
    """A value's percentage in a question's figures (percent, or share of respondents)."""
    if not isinstance(figures, dict):
        return ""
    shares = figures.get("percent") or figures.get("share_of_respondents") or {}
    return shares.get(str(value), 0)


@register.simple_tag
def answer_text(answers, key, labels):
    """An answer for a table cell in words: option labels, lists joined with commas."""
    value = (answers or {}).get(key)
    if value is None:
        return "—"
    names = labels.get(key, {}) if isinstance(labels, dict) else {}
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(names.get(str(v), v)) for v in values)
