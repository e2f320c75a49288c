"""/api/v1/partnerships: the registry as JSON, with the filters of the registry page."""

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema

from twinwise.access.actors import actor_for
from twinwise.api.errors import ErrorEnvelope
from twinwise.api.params import query_parameter, whole_number
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError

from . import facets
from .presenters import partnership_api_record, with_related
from .selectors import (
    LIST_PARAMS,
    MAX_PAGE,
    parse_registry_query,
    partnership_get,
    partnership_search,
)

router = Router(tags=["registry"])

DEFAULT_PAGE_SIZE = 50

Kind = Literal[taxonomy.ids("partnership_kinds")]
Status = Literal[taxonomy.ids("partnership_statuses")]
Domain = Literal[taxonomy.ids("partnership_domains")]
CounterpartKind = Literal[taxonomy.ids("counterpart_kinds")]
Tlp = Literal[taxonomy.ids("tlp_levels")]


class PlaceRef(Schema):
    name: str
    country: str
    wikidata: str | None


class CounterpartRef(PlaceRef):
    kind: CounterpartKind


class SourceOut(Schema):
    role: Literal["listing", "status", "import"]
    dataset: str | None
    title: str | None
    url: str | None
    reference: str | None
    note: str | None


class PartnershipOut(Schema):
    """The INTERCHANGE.md partnership record plus `id`, page `url` and structured `sources`."""

    id: int
    url: str
    external_id: str
    local: PlaceRef
    counterpart: CounterpartRef
    kind: Kind
    domains: list[Domain]
    status: Status | None
    signed_on: str | None
    ended_on: str | None
    end_reason: str | None
    source: str | None
    sources: list[SourceOut]
    tlp: Tlp


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class PartnershipPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[PartnershipOut]
    facets: dict[str, list[FacetValueOut]]


def _list_parameters() -> list[dict]:
    text = {"type": "string"}
    return [
        query_parameter(
            "q", text, "Text search over every spelling of a place name, Chinese included."
        ),
        query_parameter(
            "scope",
            {"type": "string", "enum": ["china", "all"], "default": "china"},
            "china: only ties with a Chinese, Hong Kong, Macau or Taiwan side; all: every tie.",
        ),
        query_parameter(
            "sort",
            {"type": "string", "enum": list(facets.SORTS), "default": "counterpart"},
            "Order of the results.",
        ),
        query_parameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            "Page number.",
        ),
        query_parameter(
            "page_size",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.API_MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
            "Results per page.",
        ),
        query_parameter(
            "side", {"type": "string", "enum": list(facets.SIDES)}, "Chinese side.", is_list=True
        ),
        query_parameter(
            "counterpart", {"type": "integer"}, "Id of the Chinese-side place.", is_list=True
        ),
        query_parameter("province", text, "Chinese province.", is_list=True),
        query_parameter(
            "country",
            {"type": "string", "pattern": "^[A-Za-z]{2}$"},
            "Country of the local place (ISO 3166-1 alpha-2).",
            is_list=True,
        ),
        query_parameter(
            "region",
            {"type": "string", "enum": list(facets.REGIONS)},
            "Region of the local place.",
            is_list=True,
        ),
        query_parameter(
            "kind",
            {"type": "string", "enum": list(taxonomy.ids("partnership_kinds"))},
            "Partnership kind.",
            is_list=True,
        ),
        query_parameter(
            "status",
            {"type": "string", "enum": [facets.REPORTED, *taxonomy.ids("partnership_statuses")]},
            "Status; 'reported' means no source says what state the tie is in.",
            is_list=True,
        ),
        query_parameter(
            "domain",
            {"type": "string", "enum": list(taxonomy.ids("partnership_domains"))},
            "Field of cooperation.",
            is_list=True,
        ),
        query_parameter(
            "decade",
            {"type": "string", "pattern": "^([0-9]{3}0|unknown)$"},
            "Decade signed, like 1990, or 'unknown'.",
            is_list=True,
        ),
    ]


def _page_size(request: HttpRequest) -> int:
    if "format" in request.GET:  # the registry page knows it; the API answers JSON only
        raise UserFacingError(
            _("the API answers JSON only; CSV and JSON Lines are on /open-data/"), field="format"
        )
    return whole_number(
        request.GET,
        "page_size",
        default=min(DEFAULT_PAGE_SIZE, settings.API_MAX_PAGE_SIZE),
        minimum=1,
        maximum=settings.API_MAX_PAGE_SIZE,
    )


def _record(request: HttpRequest, partnership) -> dict:
    record = partnership_api_record(partnership)
    record["url"] = request.build_absolute_uri(record["url"])
    return record


@router.get(
    "/partnerships",
    response={200: PartnershipPage, 400: ErrorEnvelope},
    summary="List partnerships",
    description="The registry with the filters of the registry page. Facet counts are "
    "disjunctive: each value's count applies every other active filter; the counterpart facet "
    "lists the 25 largest values (and any selected). "
    f"Known parameters: {', '.join((*LIST_PARAMS, 'page_size'))}; any other is an error.",
    openapi_extra={"parameters": _list_parameters()},
    url_name="partnership_list",
)
def partnership_list(request: HttpRequest):
    query = parse_registry_query(request.GET, strict=True)
    page_size = _page_size(request)
    actor = actor_for(request)
    result = partnership_search(actor=actor, query=query, page_size=page_size)
    rows = with_related(actor=actor, partnerships=result.rows)
    return {
        "count": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "pages": result.pages,
        "results": [_record(request, p) for p in rows],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in result.facets.items()
        },
    }


@router.get(
    "/partnerships/{id}",
    response={200: PartnershipOut, 400: ErrorEnvelope, 404: ErrorEnvelope},
    summary="One partnership",
    url_name="partnership_detail",
)
def partnership_detail(request: HttpRequest, id: int = Path(..., ge=1, le=2**63 - 1)):
    if request.GET:
        raise UserFacingError(
            _("this endpoint takes no query parameters"), field=next(iter(request.GET))
        )
    actor = actor_for(request)
    partnership = partnership_get(actor=actor, pk=id)
    return _record(request, with_related(actor=actor, partnerships=[partnership])[0])
