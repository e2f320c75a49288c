"""GET /api/v1/cases/{id}/similar?k=5 — INTERCHANGE.md "Similar cases".

The same selector as the page panel and `twinwise similar`: the k published reports most like
this one that the caller may see, best first, each with why. An unknown or invisible case is
404, exactly alike; a bad k is 400 naming `k`.
"""

from django.http import HttpRequest
from ninja import Path, Router, Schema

from twinwise.access.actors import actor_for
from twinwise.accounts.auth import OptionalApiTokenAuth
from twinwise.api.errors import ErrorEnvelope
from twinwise.api.params import query_parameter, reject_unknown
from twinwise.cases.selectors import case_get

from .selectors import DEFAULT_K, MAX_K, case_similar_list, check_k, similar_json

router = Router(tags=["cases"])
MAX_ID = 2**63 - 1


class SimilarQueryOut(Schema):
    id: int | None
    external_id: str | None


class SimilarItemOut(Schema):
    id: int
    external_id: str | None
    title: str
    score: float
    why: list[str]


class SimilarOut(Schema):
    query: SimilarQueryOut
    results: list[SimilarItemOut]


@router.get(
    "/cases/{id}/similar",
    auth=[OptionalApiTokenAuth()],
    response={200: SimilarOut, 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope},
    summary="Reports similar to one experience report",
    description="The k shared reports most similar to this one that the caller may see, best "
    "first, each with the reasons (same counterpart, topics, response, a similar situation in "
    "another language…). The report itself is never among them; anonymous reports are "
    "redacted as everywhere.",
    openapi_extra={
        "parameters": [
            query_parameter(
                "k",
                {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": DEFAULT_K},
                "How many reports to return.",
            )
        ]
    },
    url_name="case_similar",
)
def case_similar(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)):
    reject_unknown(request.GET, ("k",))
    k = check_k(request.GET.get("k", DEFAULT_K))
    actor = actor_for(request)
    case = case_get(actor=actor, pk=id)
    return similar_json(case, case_similar_list(actor=actor, case=case, k=k))
