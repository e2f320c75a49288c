"""/api/v1/insights: headline figures (INTERCHANGE.md "Headline figures")."""

from django.http import HttpRequest
from ninja import Router, Schema

from twinwise.access.actors import Actor
from twinwise.api.errors import ErrorEnvelope
from twinwise.api.params import joined, last, query_parameter, reject_unknown
from twinwise.core import taxonomy
from twinwise.directory.models import Region

from .selectors import largest_counterparts, parse_headline_query

router = Router(tags=["insights"])

HEADLINE_PARAMS = ("n", "regions", "kind")


class HeadlineCounterpart(Schema):
    id: int
    name: str
    name_zh: str
    wikidata: str | None
    population: int
    partnerships: int
    countries: int


class HeadlineFigure(Schema):
    n: int
    regions: list[str]
    kind: list[str]
    partnerships: int
    countries: int
    counterparts: list[HeadlineCounterpart]
    method: str


_PARAMETERS = [
    query_parameter(
        "n",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
        "How many of the most populous mainland Chinese cities to count.",
    ),
    query_parameter(
        "regions",
        {"type": "string", "enum": [r.value for r in Region]},
        "Regions of the partner cities (default europe,north-america).",
        is_list=True,
    ),
    query_parameter(
        "kind",
        {"type": "string", "enum": list(taxonomy.ids("partnership_kinds"))},
        "Partnership kinds counted (default sister-city).",
        is_list=True,
    ),
]


@router.get(
    "/insights/largest-counterparts",
    response={200: HeadlineFigure, 400: ErrorEnvelope},
    summary="Partnerships of the largest Chinese cities",
    description="The German Marshall Fund-style headline figure, computed from TLP:CLEAR records "
    "only: partnerships of the n most populous Chinese cities with cities in the given regions. "
    "Ended partnerships are not counted; those whose status is only reported are.",
    openapi_extra={"parameters": _PARAMETERS},
    url_name="largest_counterparts",
)
def largest_counterparts_get(request: HttpRequest):
    reject_unknown(request.GET, HEADLINE_PARAMS)
    query = parse_headline_query(
        last(request.GET, "n"), joined(request.GET, "regions"), joined(request.GET, "kind")
    )
    # Public figure: always what an anonymous visitor may see, whoever asks.
    return largest_counterparts(actor=Actor.anonymous(), query=query)
