"""Query-parameter helpers shared by the endpoints that read `request.GET` themselves.

Those endpoints validate with the same parsers the HTML pages use (one parser per thing),
and document their parameters in the OpenAPI document with `query_parameter`.
"""

from collections.abc import Iterable
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from twinwise.core.errors import UserFacingError


def reject_unknown(params: QueryDict, known: Iterable[str]) -> None:
    """A parameter the endpoint does not know is an error, so a typo is not silently ignored."""
    known = tuple(known)
    unknown = sorted(set(params.keys()) - set(known))
    if unknown:
        raise UserFacingError(
            _("unknown parameter; this endpoint accepts: %(known)s") % {"known": ", ".join(known)},
            field=unknown[0],
        )


def joined(params: QueryDict, name: str) -> str | None:
    """A list parameter given repeated (`?kind=a&kind=b`) or comma-separated, as 'a,b'."""
    values = params.getlist(name)
    return ",".join(values) if values else None


def last(params: QueryDict, name: str) -> str | None:
    values = params.getlist(name)
    return values[-1] if values else None


def whole_number(params: QueryDict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = (last(params, name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
        raise UserFacingError(
            _("%(name)s must be a whole number from %(min)d to %(max)d")
            % {"name": name, "min": minimum, "max": maximum},
            field=name,
        )
    return int(raw)


def query_parameter(
    name: str, schema: dict[str, Any], description: str, *, is_list: bool = False
) -> dict:
    """One OpenAPI 3.1 query parameter; list parameters may repeat or be comma-separated."""
    if is_list:
        schema = {"type": "array", "items": schema}
        description += " Repeat the parameter or separate values with commas."
    parameter = {
        "in": "query",
        "name": name,
        "required": False,
        "schema": schema,
        "description": description,
    }
    if is_list:
        parameter.update(style="form", explode=True)
    return parameter
