"""Getting a document out of a request (page or API): an uploaded file or pasted text,
size-checked before Django keeps the upload anywhere."""

import json

from django.http import HttpRequest
from django.utils.translation import gettext as _

from twinwise.cases.attachments import SizeLimitUploadHandler

from . import extraction

# Room for the multipart envelope and the other form fields around the file.
MULTIPART_SLACK = 64 * 1024


def declared_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > extraction.max_bytes() + MULTIPART_SLACK


def limit_uploads(request: HttpRequest) -> SizeLimitUploadHandler | None:
    """Put a size-limiting handler in front of Django's (before request.POST/FILES is read)."""
    if getattr(request, "_agreement_limit", None) is not None:
        return request._agreement_limit
    handler = SizeLimitUploadHandler(request, extraction.max_bytes())
    try:
        request.upload_handlers.insert(0, handler)
    except AttributeError:  # the body was already parsed (ImmutableList): nothing to guard
        return None
    request._agreement_limit = handler
    return handler


def from_upload(request: HttpRequest, upload) -> extraction.Extracted:
    """The extracted text of an uploaded file, never reading more than the limit."""
    handler = getattr(request, "_agreement_limit", None)
    if (handler is not None and handler.exceeded) or declared_too_large(request):
        raise extraction.too_large()
    if upload is None:
        raise extraction.AgreementRejected(_("Choose a file to check."))
    if upload.size is not None and upload.size > extraction.max_bytes():
        raise extraction.too_large()
    upload.seek(0)
    data = upload.read(extraction.max_bytes() + 1)
    return extraction.extract(data, name=upload.name or "")


ALLOWED_JSON_FIELDS = {"text", "name", "lang"}


def from_json(request: HttpRequest) -> tuple[extraction.Extracted, str | None]:
    """`{"text": …, "name"?: …, "lang"?: …}` (unknown fields are an error unless x-…)."""
    if declared_too_large(request):
        raise extraction.too_large(field="text")
    # Read the stream ourselves: `request.body` stops at DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB),
    # the checker's own limit is AGREEMENTS_MAX_BYTES.
    raw = request.read(extraction.max_bytes() + MULTIPART_SLACK + 1)
    if len(raw) > extraction.max_bytes() + MULTIPART_SLACK:
        raise extraction.too_large(field="text")
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise extraction.AgreementRejected(_("The body is not valid JSON."), field="body") from None
    if not isinstance(payload, dict):
        raise extraction.AgreementRejected(_('Send a JSON object: {"text": "…"}.'), field="body")
    unknown = sorted(k for k in payload if k not in ALLOWED_JSON_FIELDS and not k.startswith("x-"))
    if unknown:
        raise extraction.AgreementRejected(
            _("Unknown field “%(field)s”.") % {"field": unknown[0]}, field=unknown[0]
        )
    for field in ALLOWED_JSON_FIELDS:
        if field in payload and payload[field] is not None and not isinstance(payload[field], str):
            raise extraction.AgreementRejected(_("This must be a string."), field=field)
    if "text" not in payload or payload["text"] is None:
        raise extraction.AgreementRejected(_("The text is missing."), field="text")
    document = extraction.from_pasted(payload["text"], name=payload.get("name") or "")
    return document, payload.get("lang") or None
