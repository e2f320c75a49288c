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


@register.filter
def answer(answers, key):
    """An answer for a table cell: lists joined with commas, missing as a dash."""
    value = (answers or {}).get(key)
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
