"""POST /api/v1/agreements/check: the "Agreement check" of INTERCHANGE.md.

Any signed-in user (API token, or a browser session with the CSRF token) may check a
document; nothing is stored. Multipart with a `file` (and optional `lang`), or JSON
`{"text": …, "name"?: …, "lang"?: …}`.
"""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import SessionAuth

from twinwise.accounts.auth import ApiTokenAuth
from twinwise.api.errors import ErrorEnvelope, error_response

from . import intake, lexicon
from .extraction import AgreementRejected
from .report import check_or_refuse

router = Router(tags=["agreements"])
LANGUAGES = sorted(lexicon.languages())


class LimitUploads:
    """Not an authentication: runs first and caps the upload before anyone reads the body
    (SessionAuth's CSRF check reads request.POST). Always answers "not me"."""

    def __call__(self, request: HttpRequest):
        intake.limit_uploads(request)
        return None


AUTH = [LimitUploads(), ApiTokenAuth(), SessionAuth()]


class FindingOut(Schema):
    category: str
    severity: str
    evidence: str
    explanation: str
    suggestion: str


class ClauseOut(Schema):
    index: int
    ref: str
    text: str
    start: int
    end: int
    findings: list[FindingOut]


class DocumentOut(Schema):
    name: str
    language: str
    clauses: int
    sha256: str


class SummaryOut(Schema):
    high: int
    medium: int
    low: int
    categories: list[str]


class CheckOut(Schema):
    document: DocumentOut
    clauses: list[ClauseOut]
    summary: SummaryOut


@router.post(
    "/agreements/check",
    auth=AUTH,
    response={
        200: CheckOut,
        400: ErrorEnvelope,
        401: ErrorEnvelope,
        413: ErrorEnvelope,
        415: ErrorEnvelope,
        422: ErrorEnvelope,
    },
    summary="Check an agreement clause by clause",
    description="Multipart `file` (.txt, .md, .pdf, .docx) with an optional `lang`, or JSON "
    '`{"text": "…", "name": "…", "lang": "de"}`. Every clause is returned in document order '
    "with its findings (TAXONOMY.md categories and severities). 413: larger than the limit; "
    "415: not a text, PDF or Word document; 422: a scan without text layer, or a language "
    "the checker does not know (give `lang`). Nothing is stored.",
    url_name="agreement_check",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "lang": {"type": "string", "enum": LANGUAGES},
                        },
                        "required": ["file"],
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string"},
                            "name": {"type": "string"},
                            "lang": {"type": "string", "enum": LANGUAGES},
                        },
                        "required": ["text"],
                    }
                },
            },
        }
    },
)
def agreement_check(request: HttpRequest):
    try:
        content_type = request.content_type or ""
        if content_type.startswith("multipart/form-data"):
            unknown = sorted(
                k
                for k in (*request.POST, *request.FILES)
                if k not in ("file", "lang", "csrfmiddlewaretoken")
            )
            if unknown and not unknown[0].startswith("x-"):
                raise AgreementRejected(
                    _("Unknown field “%(field)s”.") % {"field": unknown[0]}, field=unknown[0]
                )
            document = intake.from_upload(request, request.FILES.get("file"))
            lang = request.POST.get("lang") or None
        elif content_type == "application/json":
            document, lang = intake.from_json(request)
        else:
            raise AgreementRejected(
                _("Send multipart/form-data with a file, or application/json with text."),
                status=415,
                field="body",
            )
        result = check_or_refuse(document, lang=lang)
    except AgreementRejected as exc:
        return error_response(exc.status, "invalid_parameter", exc.message, exc.field)
    return JsonResponse(result.report, json_dumps_params={"ensure_ascii": False})
