"""The one error envelope of /api/v1: every 4xx answer looks like

    {"error": {"code": "invalid_parameter", "message": "…", "field": "kind"}}

`code` is one of ERROR_CODES, `field` names the parameter at fault (null when none does).
Bad input never reaches Django's 500 page.
"""

from collections.abc import Callable
from functools import wraps
from typing import Literal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from twinwise.access.policy import PermissionDenied
from twinwise.core.errors import UserFacingError

ErrorCode = Literal[
    "invalid_parameter", "not_found", "permission_denied", "validation_error", "method_not_allowed"
]
ERROR_CODES: tuple[str, ...] = ErrorCode.__args__


class ErrorDetail(Schema):
    code: ErrorCode
    message: str
    field: str | None


class ErrorEnvelope(Schema):
    """Every 4xx answer of the API."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "field": field}}, status=status
    )


def _validation_field(errors: list[dict]) -> tuple[str | None, str]:
    """(field, message) of the first pydantic error; the loc starts with 'query'/'path'/'body'."""
    if not errors:
        return None, _("the request is not valid")
    first = errors[0]
    raw = list(first.get("loc", ()))
    # ("body", "payload", "colour") → "colour": the body parameter's own name means nothing to a client.
    skip = 2 if raw[:1] == ["body"] and len(raw) > 2 else 1
    loc = [str(part) for part in raw[skip:] if not isinstance(part, int)]
    return (".".join(loc) or None), str(first.get("msg") or _("the value is not valid"))


def install(api: NinjaAPI) -> None:
    """Make every error the API raises answer with the envelope."""

    @api.exception_handler(UserFacingError)
    def user_facing(request: HttpRequest, exc: UserFacingError) -> HttpResponse:
        return error_response(400, "invalid_parameter", exc.message, exc.field)

    @api.exception_handler(ValidationError)
    def validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        field, message = _validation_field(exc.errors)
        return error_response(400, "validation_error", message, field)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", _("There is no such record."))

    @api.exception_handler(PermissionDenied)
    @api.exception_handler(DjangoPermissionDenied)
    def denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(403, "permission_denied", str(exc) or _("You may not do this."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Authentication and authorisation failures (401/403) both mean "not allowed".
        if exc.status_code == 404:
            code = "not_found"
        elif exc.status_code in (401, 403):
            code = "permission_denied"
        else:
            code = "invalid_parameter"
        return error_response(exc.status_code, code, exc.message)


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/v1/ that names no endpoint."""
    return error_response(404, "not_found", _("There is no such API endpoint; see /api/v1/docs."))


def enveloped_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a ninja path view so 'method not allowed' uses the envelope too (keeps Allow)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        message = _("%(method)s is not allowed here; use %(allowed)s") % {
            "method": request.method,
            "allowed": response.get("Allow", "GET"),
        }
        enveloped = error_response(405, "method_not_allowed", message)
        enveloped["Allow"] = response.get("Allow", "")
        return enveloped

    return wrapper
