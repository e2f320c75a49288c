"""/api/v1/surveys: survey results as the JSON of `twinwise survey results`, through the same
selectors and access policy as the pages (a member token, or a session with two factors)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router
from ninja.security import SessionAuth

from twinwise.access.actors import actor_for
from twinwise.accounts.auth import ApiTokenAuth
from twinwise.api.errors import ErrorEnvelope
from twinwise.api.params import query_parameter, whole_number
from twinwise.core.errors import UserFacingError

from .selectors import results_json

router = Router(tags=["surveys"])
AUTH = [ApiTokenAuth(), SessionAuth()]
PARAMS = ("year",)


@router.get(
    "/surveys/{slug}/results",
    auth=AUTH,
    response={200: dict[str, Any], 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope},
    summary="Results of a survey campaign",
    description="`{survey, responses, questions}`: per question counts and percentages "
    "(single choice: counts, percent; multiple choice: counts, share_of_mentions, "
    "share_of_respondents; numbers: n, mean, median), rounded half up to one decimal, over "
    "the responses the caller may count. Without `year`, the latest campaign the caller may "
    "read. A fully anonymous campaign with fewer than 5 responses answers 400.",
    openapi_extra={
        "parameters": [
            query_parameter("year", {"type": "integer"}, "The campaign's year (default: latest).")
        ]
    },
    url_name="survey_results",
)
def survey_results(request: HttpRequest, slug: str = Path(..., max_length=80)):
    unknown = sorted(set(request.GET) - set(PARAMS))
    if unknown:
        raise UserFacingError(
            _("unknown parameter %(name)s; known: year") % {"name": unknown[0]}, field=unknown[0]
        )
    year = whole_number(request.GET, "year", default=0, minimum=2000, maximum=2100) or None
    return results_json(actor=actor_for(request), slug=slug, year=year)
