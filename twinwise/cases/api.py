"""/api/v1/cases: experience reports as JSON, through the same search, selectors, services
and redaction (`case_present_many`) as the pages.

Reading is open: without a token a caller sees what an anonymous visitor sees (TLP:CLEAR).
`Authorization: Bearer …` (or a browser session with two factors) shows what that member
may see. Creating a report needs a member: a token, or a session plus the CSRF token.
An invisible report answers 404, exactly like one that does not exist.
"""

from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.security import SessionAuth
from pydantic import ConfigDict

from twinwise.access.actors import actor_for
from twinwise.access.policy import require_model
from twinwise.accounts.auth import ApiTokenAuth, OptionalApiTokenAuth
from twinwise.api.errors import ErrorEnvelope
from twinwise.api.params import query_parameter, whole_number
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError

from .interchange import resolve_recipients
from .listing import case_url
from .models import Case, CaseState
from .search import FACETS, LIST_PARAMS, MAX_PAGE, SORTS, case_search, parse_case_query
from .selectors import case_get, case_present, comments_present
from .services import case_create, case_submit

router = Router(tags=["cases"])

READ_AUTH = [OptionalApiTokenAuth()]
# A browser session must send the CSRF token (ninja's SessionAuth checks it).
WRITE_AUTH = [ApiTokenAuth(), SessionAuth()]
DEFAULT_PAGE_SIZE = 25
MAX_ID = 2**63 - 1


def _enum(name: str) -> dict:
    return {"enum": list(taxonomy.ids(name))}


def _one_of(name: str, what: str) -> str:
    return f"{what}: one of {', '.join(taxonomy.ids(name))}."


# -- schemas -----------------------------------------------------------------------------


class CounterpartOut(Schema):
    kind: str | None
    name: str


class ReporterOrganisation(Schema):
    slug: str
    name: str
    country: str | None


class ReporterOut(Schema):
    """Who reported it, as the caller may know: for an anonymous report from another
    organisation only `label` ("a city of 100k–500k inhabitants in Central Europe")."""

    label: str
    organisation: ReporterOrganisation | None
    author: str | None
    generalised: bool


class SourceOut(Schema):
    url: str | None = None
    title: str | None = None


class CaseOut(Schema):
    """An experience report (INTERCHANGE.md "Cases") as the caller may read it."""

    id: int
    external_id: str | None
    url: str
    title: str
    occurred_on: str
    counterpart: CounterpartOut | None
    case_type: str = Field(..., description=_one_of("case_types", "Type of case ('' in drafts)"))
    topics: list[str]
    channel: str
    summary: str
    demand: str
    response: str
    response_type: str
    outcome: str
    lessons: str
    language: str
    tlp: Literal[taxonomy.ids("tlp_levels")]
    anonymous: bool
    state: Literal[tuple(CaseState.values)]
    reporter: ReporterOut
    partnership: int | None
    sources: list[SourceOut]
    confidence: str


class CaseDetailOut(CaseOut):
    can: dict[str, bool] = Field(
        ..., description="What the caller may do: edit, withdraw, comment, moderate, audit."
    )


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CaseOut]
    facets: dict[str, list[FacetValueOut]]


class CommentOut(Schema):
    who: str
    office: str
    created_at: str
    body: str


class CommentPageOut(Schema):
    count: int
    results: list[CommentOut]


class CounterpartIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field("", description=_one_of("counterpart_kinds", "Kind of counterpart"))
    name: str = ""


class RecipientsIn(Schema):
    """Who an amber report (members: organisation slugs) or a red one (users: user names)
    is shared with; an error on other levels."""

    model_config = ConfigDict(extra="forbid")
    members: list[str] = []
    users: list[str] = []


class CaseIn(Schema):
    """A new report. Saved as a draft; with `"submit": true` also shared: amber and red
    reports reach their recipients at once, green and clear ones go to a moderator.
    Taxonomy ids are checked by the service, which names the field at fault."""

    model_config = ConfigDict(extra="forbid")
    title: str = ""
    occurred_on: str = Field("", description="YYYY, YYYY-MM or YYYY-MM-DD")
    counterpart: CounterpartIn | None = None
    case_type: str = Field("", description=_one_of("case_types", "Type of case"))
    topics: list[str] = Field([], description=_one_of("topics", "Topics, each"))
    channel: str = Field("", description=_one_of("channels", "How contact was made"))
    summary: str = ""
    demand: str = ""
    response: str = ""
    response_type: str = Field("", description=_one_of("response_types", "Response"))
    outcome: str = ""
    lessons: str = ""
    language: str = Field("", description="ISO 639-1 code such as en")
    tlp: str = Field("amber-strict", description=_one_of("tlp_levels", "Sharing level"))
    anonymous: bool = False
    recipients: RecipientsIn | None = None
    submit: bool = False


# -- helpers -----------------------------------------------------------------------------


def _out(request: HttpRequest, item: dict) -> dict:
    return {**item, "url": request.build_absolute_uri(case_url(item["id"]))}


def _list_parameters() -> list[dict]:
    text = {"type": "string"}
    facet_docs = {
        "topic": ("topics", "Topic."),
        "case_type": ("case_types", "Type of case."),
        "counterpart_kind": ("counterpart_kinds", "Kind of counterpart."),
        "response_type": ("response_types", "How the city responded."),
        "tlp": ("tlp_levels", "Sharing level."),
    }
    params = [
        query_parameter(
            "q",
            text,
            "Words in the title, text or counterpart name (any language; prefixes match).",
        ),
        query_parameter(
            "mine", {"type": "string", "enum": ["1", "0"]}, "1: only your organisation's reports."
        ),
    ]
    for facet, (name, description) in facet_docs.items():
        params.append(query_parameter(facet, _enum(name) | text, description, is_list=True))
    params += [
        query_parameter(
            "counterpart", text, "Exact counterpart name (repeat, no commas).", is_list=False
        ),
        query_parameter(
            "country",
            {"type": "string", "pattern": "^([A-Za-z]{2}|withheld)$"},
            "Country of the reporting organisation; 'withheld': anonymous reports of others.",
            is_list=True,
        ),
        query_parameter(
            "year", {"type": "string", "pattern": "^([0-9]{4}|unknown)$"}, "Year.", is_list=True
        ),
        query_parameter(
            "state",
            {"type": "string", "enum": list(CaseState.values)},
            "State; without it only shared (published) reports, or every state with mine=1.",
            is_list=True,
        ),
        query_parameter(
            "sort",
            {"type": "string", "enum": list(SORTS)},
            "Order; default relevance with q, else newest.",
        ),
        query_parameter(
            "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page."
        ),
        query_parameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            "Results per page.",
        ),
    ]
    return params


# -- endpoints ---------------------------------------------------------------------------


@router.get(
    "/cases",
    auth=READ_AUTH,
    response={200: CasePageOut, 400: ErrorEnvelope, 401: ErrorEnvelope},
    summary="List experience reports",
    description="The reports the caller may see, with the filters of the case list page and "
    "disjunctive facet counts (each value's count applies every other active filter). "
    f"Known parameters: {', '.join((*LIST_PARAMS, 'page_size'))}; any other is an error. "
    f"Facets: {', '.join(FACETS)} (state only with mine=1).",
    openapi_extra={"parameters": _list_parameters()},
    url_name="case_list",
)
def case_list(request: HttpRequest):
    page_size = whole_number(
        request.GET,
        "page_size",
        default=min(DEFAULT_PAGE_SIZE, settings.API_MAX_PAGE_SIZE),
        minimum=1,
        maximum=settings.API_MAX_PAGE_SIZE,
    )
    query = parse_case_query(request.GET, strict=True, page_size=page_size, extra=("page_size",))
    result = case_search(actor=actor_for(request), query=query)
    return {
        "count": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "pages": result.pages,
        "results": [_out(request, item) for item in result.rows],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in result.facets.items()
        },
    }


def _no_params(request: HttpRequest) -> None:
    if request.GET:
        raise UserFacingError(
            _("this endpoint takes no query parameters"), field=next(iter(request.GET))
        )


@router.get(
    "/cases/{id}",
    auth=READ_AUTH,
    response={200: CaseDetailOut, 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope},
    summary="One experience report",
    url_name="case_detail",
)
def case_detail(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)):
    _no_params(request)
    actor = actor_for(request)
    case = case_get(actor=actor, pk=id)
    return _out(request, case_present(actor=actor, case=case))


@router.get(
    "/cases/{id}/comments",
    auth=READ_AUTH,
    response={200: CommentPageOut, 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope},
    summary="Comments on one experience report",
    description="Comments inherit the report's visibility. The reporting office's own "
    "comments on an anonymous report are signed 'The reporting office'.",
    url_name="case_comments",
)
def case_comments(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)):
    _no_params(request)
    actor = actor_for(request)
    case = case_get(actor=actor, pk=id)
    items = comments_present(actor=actor, case=case)
    return {
        "count": len(items),
        "results": [{**item, "created_at": item["created_at"].isoformat()} for item in items],
    }


def _case_data(payload: CaseIn) -> dict[str, Any]:
    data = payload.dict(exclude={"counterpart", "recipients", "submit"})
    if payload.counterpart is not None:
        data["counterpart_kind"] = payload.counterpart.kind
        data["counterpart_name"] = payload.counterpart.name
    return data


# The services name model fields; the API names the fields of its own body.
_BODY_FIELDS = {"counterpart_kind": "counterpart.kind", "counterpart_name": "counterpart.name"}


@router.post(
    "/cases",
    auth=WRITE_AUTH,
    response={
        201: CaseDetailOut,
        400: ErrorEnvelope,
        401: ErrorEnvelope,
        403: ErrorEnvelope,
    },
    summary="File an experience report",
    description='Creates a draft of your organisation\'s report; with "submit": true it is '
    "shared at once (amber, amber-strict and red) or sent to a moderator (green, clear). "
    "Nothing is stored when anything is wrong.",
    url_name="case_create",
)
def case_create_endpoint(request: HttpRequest, payload: CaseIn):
    actor = actor_for(request)
    require_model(actor, Case, "create")  # before anything else is looked at
    try:
        with transaction.atomic():
            recipients = resolve_recipients(
                payload.recipients.dict() if payload.recipients else None,
                organisation_id=actor.organisation_id,
            )
            case = case_create(actor=actor, data=_case_data(payload), recipients=recipients)
            if payload.submit:
                case = case_submit(actor=actor, case=case)
    except UserFacingError as error:
        error.field = _BODY_FIELDS.get(error.field or "", error.field)
        raise
    case = case_get(actor=actor, pk=case.pk, audit_read=False)
    return 201, _out(request, case_present(actor=actor, case=case))
