"""Template helpers for experience reports: safe Markdown, taxonomy labels, partial dates.

Text that members type is Markdown. It is rendered with raw HTML switched off (so a
<script> becomes visible text) and the result goes through the nh3 sanitiser as a second
line of defence: only a handful of formatting tags and http(s)/mailto links survive.
"""

import datetime as dt
from functools import cache
from urllib.parse import urlsplit

import nh3
from django import template
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdown_it import MarkdownIt

from twinwise.core import taxonomy
from twinwise.core.dates import parse_partial_date

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _markdown() -> MarkdownIt:
    # Headings would compete with the page's own headings and images would load from other
    # sites: both stay plain text / links.
    return MarkdownIt("commonmark", {"html": False}).disable(["heading", "lheading", "image"])


def render_markdown(text: str) -> str:
    """Member-written Markdown as sanitised HTML (a str; callers mark it safe)."""
    if not text:
        return ""
    html = _markdown().render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    # Safe: raw HTML is off in the Markdown parser and nh3 keeps only the allowed tags.
    return mark_safe(render_markdown(text or ""))


@register.filter
def taxonomy_label(value: str, name: str) -> str:
    """`{{ case.case_type|taxonomy_label:"case_types" }}` → the translated label ('' if empty)."""
    if not value:
        return ""
    try:
        return _(taxonomy.label(name, value))
    except KeyError:
        return value


@register.filter
def taxonomy_help(value: str, name: str) -> str:
    if not value:
        return ""
    try:
        return _(taxonomy.help_text(name, value))
    except KeyError:
        return ""


@register.filter
def taxonomy_labels(values, name: str) -> list[str]:
    """A list of ids → their translated labels, in the order given."""
    return [taxonomy_label(v, name) for v in values or ()]


@register.filter
def partial_date(value: str) -> str:
    """'2021' → '2021', '2021-02' → 'February 2021', '2021-02-03' → '3 February 2021'."""
    if not value:
        return ""
    try:
        year, month, day = parse_partial_date(value)
    except ValueError:
        return value
    if month is None:
        return str(year)
    if day is None:
        return date_format(dt.date(year, month, 1), "YEAR_MONTH_FORMAT")
    return date_format(dt.date(year, month, day), "DATE_FORMAT")


CONFIDENCE = {
    "high": (
        gettext_lazy("High"),
        gettext_lazy("Several independent, reliable sources report it in the same way."),
    ),
    "medium": (
        gettext_lazy("Medium"),
        gettext_lazy("Reliable sources report it, but some details are not confirmed."),
    ),
    "low": (
        gettext_lazy("Low"),
        gettext_lazy("Only one source, or sources that disagree; treat the details with care."),
    ),
}


@register.filter
def confidence_label(value: str) -> str:
    return str(CONFIDENCE[value][0]) if value in CONFIDENCE else value


@register.filter
def confidence_help(value: str) -> str:
    return str(CONFIDENCE[value][1]) if value in CONFIDENCE else ""


@register.filter
def source_items(sources) -> list[dict]:
    """Public-record sources ([{url, title}] or plain URLs) with the site's host for the link."""
    items = []
    for source in sources or ():
        if isinstance(source, str):
            source = {"url": source, "title": ""}
        url = source.get("url") or ""
        safe = url if urlsplit(url).scheme in ("http", "https") else ""
        items.append(
            {"url": safe, "title": source.get("title") or "", "host": urlsplit(safe).netloc or url}
        )
    return items
