"""The open-data page and its downloads: everything TLP:CLEAR, free to reuse."""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from .exporters import (
    OPEN_DATA_FILES,
    open_data_etag,
    open_data_file,
    open_data_summary,
    partnership_columns,
)

COLUMN_HELP = {
    "external_id": _("A stable id of the partnership; importing the same id again updates it."),
    "local.name": _("The place outside China (or the non-Chinese side)."),
    "local.country": _("Its country, as a two-letter ISO code."),
    "local.wikidata": _("Its Wikidata id, when known."),
    "counterpart.name": _("The Chinese-side place or organisation."),
    "counterpart.country": _(
        "Its country or territory code: CN, HK, MO or TW (other codes for ties without a Chinese side)."
    ),
    "counterpart.wikidata": _("Its Wikidata id, when known."),
    "counterpart.kind": _("What kind of body the counterpart is, such as city or province."),
    "kind": _("The kind of partnership, such as sister-city or friendship-city."),
    "domains": _("Fields of cooperation, separated by semicolons."),
    "status": _(
        "proposed, active, dormant, suspended or ended. Empty: reported — no source says what state it is in."
    ),
    "signed_on": _("When it was signed: a year, year and month, or full date."),
    "ended_on": _("When it ended, if it did."),
    "end_reason": _("Why it ended, as the sources tell it."),
    "source": _(
        "Where the row comes from: press articles for documented events, and the data sets that list the partnership."
    ),
    "tlp": _("Who may see the row; always clear (anyone) in the open data."),
}


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    columns = [(column, COLUMN_HELP.get(column, "")) for column in partnership_columns()]
    context = {"summary": open_data_summary(), "columns": columns}
    return render(request, "interchange/open_data.html", context)


@require_safe
@cache_control(public=True, max_age=300)
@condition(etag_func=lambda request, name: open_data_etag(name))
def open_data_download(request: HttpRequest, name: str) -> FileResponse:
    """The file for the current data version (built on the first request after a change)."""
    file = OPEN_DATA_FILES[name]
    # FileResponse streams the file in blocks; the rows are never held in memory here.
    return FileResponse(
        open_data_file(name).open("rb"),
        as_attachment=True,
        filename=name,
        content_type=file.content_type,
    )
