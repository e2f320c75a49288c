"""Files attached to a case: upload (its author, while editing) and download (through the
access policy, without identifying metadata for people outside the case's organisation).

Who gets which copy of a file:

- the case's own organisation gets the file exactly as it was uploaded;
- everyone else gets images re-encoded without EXIF/XMP/ICC/comments (location, camera,
  owner), and documents as uploaded;
- for an anonymous case, everyone outside the organisation (the people who may not see the
  reporter, access rule cases.case/see_reporter) also gets PDFs and Word documents without
  author, company and reviewer fields, under a neutral file name.

Uploads are identified by their content (twinwise.core.files) and stored under a random
name in the default storage (DATA_DIR/uploads, outside the web root).
"""

import hashlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from twinwise.access.actors import Actor, actor_for
from twinwise.access.policy import PermissionDenied, can, get_for, require
from twinwise.core import files
from twinwise.core.errors import UserFacingError

from .models import Case, CaseAttachment
from .selectors import AUDITED_LEVELS, attachments_for, case_get, case_queryset
from .services import audit, record_revision, snapshot

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Room for the multipart boundaries, headers and the CSRF field around the file itself.
MULTIPART_SLACK = 64 * 1024
MAX_PER_CASE = 50
TEMPLATE = "cases/_attachment_form.html"


def max_bytes() -> int:
    """The largest file accepted (setting TWINWISE_ATTACHMENT_MAX_BYTES, default 20 MB)."""
    return int(getattr(settings, "TWINWISE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large(limit: int) -> files.FileRejected:
    return files.FileRejected(
        _("The file is larger than %(size)s, the most twinwise accepts. Make it smaller first.")
        % {"size": filesizeformat(limit)},
        status=413,
    )


# -- services ------------------------------------------------------------------------------


def attachment_create(*, actor: Actor, case: Case, upload: File | None) -> CaseAttachment:
    """Attach a file to a case. Rule: only its author, while it is a draft or was returned
    (access rule cases.case/edit). Nothing is stored unless the file passes every check."""
    require(actor, "edit", case)
    if upload is None:
        raise files.FileRejected(_("Choose a file to attach."))
    if upload.size is not None and upload.size > max_bytes():
        raise too_large(max_bytes())
    if case.attachments.count() >= MAX_PER_CASE:
        raise files.FileRejected(
            _("A report can have at most %(n)d files.") % {"n": MAX_PER_CASE}, status=409
        )
    kind = files.identify(upload, name=upload.name or "")
    # Proves now that a copy without metadata can be made, so a download never fails.
    files.strip_metadata(upload, kind)
    attachment = CaseAttachment(
        case=case,
        uploaded_by_id=actor.user_id,
        original_name=files.display_name(upload.name or "", kind),
        content_type=kind.content_type,
        size=upload.size,
        sha256=_sha256(upload),
    )
    upload.seek(0)
    attachment.file.save(f"{secrets.token_hex(16)}{kind.extension}", upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            # The note names the kind, not the file: file names often name people.
            note = _("Attached a %(kind)s (file no. %(id)d).") % {
                "kind": kind.label,
                "id": attachment.pk,
            }
            record_revision(case, actor, "attach", snapshot(case), note=note)
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ServedFile:
    """What a download sends: the stored original (streamed) or a cleaned copy."""

    name: str
    content_type: str
    cleaned: bool
    original: File | None = None
    content: bytes = b""


def _copy_for(actor: Actor, case: Case) -> str:
    """'original', 'images' (images cleaned) or 'all' (every kind cleaned, neutral name)."""
    if actor.organisation_id is not None and actor.organisation_id == case.organisation_id:
        return "original"
    if case.anonymous and not can(actor, "see_reporter", case):
        return "all"
    return "images"


def _served_name(attachment: CaseAttachment, kind: files.FileKind | None, copy: str) -> str:
    if copy != "all":
        return attachment.original_name
    extension = kind.extension if kind else ""
    return _("attachment-%(id)d") % {"id": attachment.pk} + extension


def attachment_open(*, actor: Actor, pk: int) -> ServedFile:
    """The file of attachment `pk` as `actor` may receive it, or 404 when invisible.

    Attachments inherit their case's visibility; reads of red and amber cases' files are
    written to the audit log ("read-attachment").
    """
    attachment = get_for(actor, CaseAttachment.objects.select_related("case"), pk=pk)
    case = attachment.case
    kind = files.kind_for_content_type(attachment.content_type)
    copy = _copy_for(actor, case)
    clean = copy == "all" or (copy == "images" and kind is not None and kind.is_image)
    if case.tlp in AUDITED_LEVELS:
        audit(actor, case, "read-attachment", {"attachment": attachment.pk, "copy": copy})
    name = _served_name(attachment, kind, copy)
    content_type = attachment.content_type if kind else "application/octet-stream"
    if not clean:
        return ServedFile(name, content_type, False, original=attachment.file.open("rb"))
    if kind is None:
        # Nothing is known about how to clean this file, so it is not handed out.
        raise files.FileRejected(
            _("This file cannot be shared outside its organisation."), status=403
        )
    with attachment.file.open("rb") as stored:
        content = files.strip_metadata(stored, kind)
    return ServedFile(name, content_type, True, content=content)


def attachments_present(*, actor: Actor, case: Case) -> list[dict]:
    """The visible attachments of `case` as the list shows them (names hidden like the reporter)."""
    copy = _copy_for(actor, case)
    items = []
    for attachment in attachments_for(actor=actor, case=case):
        kind = files.kind_for_content_type(attachment.content_type)
        items.append(
            {
                "id": attachment.pk,
                "name": _served_name(attachment, kind, copy),
                "label": kind.label if kind else _("file"),
                "size": attachment.size,
                "created_at": attachment.created_at,
                "cleaned": copy == "all" or (copy == "images" and bool(kind and kind.is_image)),
                "url": reverse("cases:attachment", args=[attachment.pk]),
            }
        )
    return items


# -- views ---------------------------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops keeping uploaded data once the request's files pass the limit, so an oversized
    file is never held in memory or on disk in full (even when Content-Length lied)."""

    def __init__(self, request: HttpRequest, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _case_url(case: Case) -> str | None:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return None


def _next_url(request: HttpRequest, case: Case) -> str:
    """Where to go after an upload: a same-site `next`, else the page showing the form."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    if request.method == "GET":
        return request.get_full_path()  # back to the page that shows the form
    return _case_url(case) or reverse("cases:attachment_upload", args=[case.pk])


def attachment_panel_context(
    request: HttpRequest, *, actor: Actor, case: Case, error: UserFacingError | None = None
) -> dict:
    """What the attachments fragment needs; a case page passes this to
    {% include "cases/_attachment_form.html#attachments" %}."""
    return {
        "attachments": attachments_present(actor=actor, case=case),
        "attachment_can_attach": can(actor, "edit", case),
        "attachment_error": error,
        "attachment_upload_url": reverse("cases:attachment_upload", args=[case.pk]),
        "attachment_next": _next_url(request, case),
        "attachment_accept": files.ACCEPT,
        "attachment_max_bytes": max_bytes(),
    }


def _page(
    request: HttpRequest, actor: Actor, case: Case, error=None, status: int = 200
) -> HttpResponse:
    context = attachment_panel_context(request, actor=actor, case=case, error=error)
    context.update(case_title=case.title, case_url=_case_url(case))
    return render(request, TEMPLATE, context, status=status)


def _not_editable() -> UserFacingError:
    return UserFacingError(
        _(
            "Only the author of a report can add files, and only while it is a draft or has "
            "been returned by a moderator."
        ),
        field="file",
    )


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


# Django's documented pattern for changing upload handlers: the view is exempt so that the
# CSRF middleware does not read the body first; `_receive` checks the token itself.
@csrf_exempt
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the case's attachments (and the form, for its author). POST: attach a file."""
    actor = actor_for(request)
    if request.method in ("GET", "HEAD"):
        return _page(request, actor, case_get(actor=actor, pk=pk))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    # Who may attach is decided before a byte of the body is read.
    case = get_for(actor, case_queryset(actor=actor), pk=pk)
    if not can(actor, "edit", case):
        return _page(request, actor, case, _not_editable(), status=403)
    limit = max_bytes()
    if _declared_length(request) > limit + MULTIPART_SLACK:
        return _page(request, actor, case, too_large(limit), status=413)
    handler = SizeLimitUploadHandler(request, limit)
    request.upload_handlers.insert(0, handler)
    return _receive(request, actor, case, handler)


@csrf_protect
def _receive(
    request: HttpRequest, actor: Actor, case: Case, handler: SizeLimitUploadHandler
) -> HttpResponse:
    uploads = request.FILES.getlist("file")
    try:
        if handler.exceeded:
            raise too_large(handler.limit)
        if len(uploads) > 1:
            raise files.FileRejected(_("Attach one file at a time."))
        attachment = attachment_create(
            actor=actor, case=case, upload=uploads[0] if uploads else None
        )
    except files.FileRejected as error:
        return _page(request, actor, case, error, status=error.status)
    except PermissionDenied:
        return _page(request, actor, case, _not_editable(), status=403)
    except UserFacingError as error:
        return _page(request, actor, case, error, status=400)
    messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.original_name})
    return redirect(_next_url(request, case).split("#")[0] + "#attachments")


@require_safe
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """One attachment, as a download, through the access policy (invisible → 404)."""
    try:
        served = attachment_open(actor=actor_for(request), pk=pk)
    except files.FileRejected as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain")
    body = served.original if served.original is not None else io.BytesIO(served.content)
    response = FileResponse(
        body, as_attachment=True, filename=served.name, content_type=served.content_type
    )
    # Never rendered by the browser, never guessed at, never kept by a shared cache: the
    # copy depends on who asks.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie, Authorization"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
