"""The case list page: search, filters with counts, chips and pages (page or htmx fragment).

Anyone may open it: a visitor sees the public reports (TLP:CLEAR, mostly the public
record), a member signed in with two factors also what other cities shared with them.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from twinwise.access.actors import actor_for
from twinwise.core.errors import UserFacingError
from twinwise.core.htmx import is_htmx, render_page_or_fragment

from .listing import FACET_TITLES, list_context, list_url
from .search import case_search, parse_case_query

LIST_TEMPLATE = "cases/list.html"


def case_list(request: HttpRequest) -> HttpResponse:
    """Experience reports the visitor may see, searchable and filterable."""
    try:
        query = parse_case_query(request.GET)
    except UserFacingError as error:
        return _bad_query(request, error)
    actor = actor_for(request)
    page = case_search(actor=actor, query=query)
    context = list_context(actor, page, needs_second_factor=_needs_second_factor(request, actor))
    response = render_page_or_fragment(request, LIST_TEMPLATE, "results", context)
    if is_htmx(request):
        # The address bar shows the short canonical address, not the raw form submission.
        response["HX-Push-Url"] = list_url(query, page=query.page)
    return response


def _needs_second_factor(request: HttpRequest, actor) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and getattr(user, "organisation_id", None)) and (
        actor.organisation_id is None
    )


def _bad_query(request: HttpRequest, error: UserFacingError) -> HttpResponse:
    context = {"error": error, "error_title": FACET_TITLES.get(error.field or "", error.field)}
    return render(request, "cases/list_error.html", context, status=400)
