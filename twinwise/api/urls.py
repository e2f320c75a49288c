from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, re_path, reverse

from .api import api
from .errors import api_not_found, enveloped_405


def api_index(request: HttpRequest, **kwargs) -> JsonResponse:
    """/api/v1/ itself: where the documentation is (ninja's default answers 404)."""
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
            "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
        }
    )


def _wrap(pattern):
    if not isinstance(pattern, URLPattern):
        return pattern
    # ninja answers a wrong method with a bare 405; give it the envelope like every other 4xx.
    callback = api_index if pattern.name == "api-root" else enveloped_405(pattern.callback)
    return URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name)


_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    re_path("", ([_wrap(p) for p in _patterns], _app_name, _namespace)),
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]
