"""htmx helpers: one URL serves the whole page and its fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def render_page_or_fragment(
    request: HttpRequest, template: str, fragment: str, context: dict, **kwargs
) -> HttpResponse:
    """Render `template` for a normal request and `template#fragment` for htmx.

    The response varies on HX-Request so a cache never hands a fragment to a browser
    that asked for the page (or the other way round).
    """
    name = f"{template}#{fragment}" if is_htmx(request) else template
    response = render(request, name, context, **kwargs)
    response["Vary"] = "HX-Request"
    return response
