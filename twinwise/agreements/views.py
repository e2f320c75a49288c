"""The review pages: check a document (upload or paste), save the review, list, show,
compare drafts, print and download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from twinwise.access.actors import actor_for
from twinwise.access.policy import can_model
from twinwise.accounts.decorators import member_required
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError

from . import intake, pdf, presenting, selectors, services
from .extraction import AgreementRejected, from_pasted, too_large
from .forms import CheckForm, SaveForm
from .models import AgreementReview
from .report import UnsupportedLanguage, check_or_refuse


def _document(request: HttpRequest, form: CheckForm):
    upload = form.cleaned_data.get("file")
    if upload is not None or intake.declared_too_large(request):
        return intake.from_upload(request, upload)
    return from_pasted(form.cleaned_data["text"], name=_("pasted text"))


def _result_context(result) -> dict:
    return {
        "report": result.report,
        "clauses": presenting.present(result.report),
        "summary_rows": presenting.summary_rows(result.report),
    }


# Django's documented pattern for changing upload handlers: exempt, then protect inside.
@csrf_exempt
@login_required
def agreement_check(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: check the document and show the review; nothing is stored."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        intake.limit_uploads(request)
        try:
            request.POST  # noqa: B018  (pasted text beyond DATA_UPLOAD_MAX_MEMORY_SIZE)
        except RequestDataTooBig:
            error = AgreementRejected(
                _("The pasted text is too long to send from this page. Upload it as a file."),
                status=413,
            )
            return render(
                request, "agreements/check.html", {"form": CheckForm(), "error": error}, status=413
            )
    return _check(request)


@csrf_protect
def _check(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = CheckForm(request.POST or None, request.FILES or None)
    context, status = {"form": form, "is_member": actor.is_member}, 200
    if request.method == "POST" and _oversize(request):
        context["error"] = too_large()
        status = context["error"].status
    elif request.method == "POST" and form.is_valid():
        try:
            document = _document(request, form)
            result = check_or_refuse(document, lang=form.cleaned_data["lang"] or None)
        except UnsupportedLanguage as exc:
            context.update(
                _result_context(exc.result),
                error=exc,
                document_name=exc.result.report["document"]["name"],
            )
            status = 422
        except AgreementRejected as exc:
            context["error"], status = exc, exc.status
        else:
            context.update(_result_context(result))
            context["pdf_fields"] = {
                "text": document.text,
                "name": document.name,
                "lang": form.cleaned_data["lang"],
            }
            if can_model(actor, AgreementReview, "create"):
                context["save_form"] = SaveForm(
                    initial={
                        "text": document.text,
                        "name": document.name,
                        "lang": form.cleaned_data["lang"],
                        "title": document.name,
                    },
                    partnerships=selectors.partnership_choices(actor=actor),
                )
    elif request.method == "POST":
        status = 400
    return render(request, "agreements/check.html", context, status=status)


def _oversize(request: HttpRequest) -> bool:
    handler = getattr(request, "_agreement_limit", None)
    request.FILES  # noqa: B018  (parse the body: the size-limit handler decides while reading)
    return bool(handler and handler.exceeded) or intake.declared_too_large(request)


@require_POST
@member_required
def review_save(request: HttpRequest) -> HttpResponse:
    """Save a checked document as a review of the organisation (its first draft)."""
    actor = actor_for(request)
    form = SaveForm(request.POST, partnerships=selectors.partnership_choices(actor=actor))
    if not form.is_valid():
        return render(request, "agreements/save_error.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        review = services.review_create(
            actor=actor,
            title=data["title"],
            tlp=data["tlp"],
            partnership_id=data["partnership"],
            document=from_pasted(data["text"], name=data["name"]),
            lang=data["lang"] or None,
        )
    except UserFacingError as exc:
        return render(
            request, "agreements/save_error.html", {"form": form, "error": exc}, status=400
        )
    messages.success(request, _("The review is saved."))
    return redirect("agreements:detail", review.pk)


@require_POST
@login_required
def check_pdf(request: HttpRequest) -> HttpResponse:
    """The printable report of a fresh check as a PDF (the text comes back from the page)."""
    text, name = request.POST.get("text", ""), request.POST.get("name", "")
    try:
        result = check_or_refuse(
            from_pasted(text, name=name), lang=request.POST.get("lang") or None
        )
    except AgreementRejected as exc:
        return render(request, "agreements/save_error.html", {"error": exc}, status=exc.status)
    title = _("Agreement check: %(name)s") % {"name": result.report["document"]["name"]}
    lines = presenting.report_lines(result.report, title=title)
    response = HttpResponse(pdf.write(lines, title=title), content_type="application/pdf")
    stem = slugify(name.rsplit(".", 1)[0]) or "agreement"
    response["Content-Disposition"] = f'attachment; filename="{stem}-check.pdf"'
    return response


@require_safe
@member_required
def review_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render(request, "agreements/list.html", {"reviews": selectors.review_list(actor=actor)})


@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved review: one draft (the latest unless ?draft=N) with its findings."""
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, pk=pk)
    drafts = selectors.drafts_of(actor=actor, review=review)
    draft = _pick(drafts, request.GET.get("draft"))
    context = {
        "review": review,
        "drafts": drafts,
        "draft": draft,
        "may": selectors.review_permissions(actor=actor, review=review),
        "form": CheckForm(),
        "report": draft.report,
        "clauses": presenting.present(draft.report),
        "summary_rows": presenting.summary_rows(draft.report),
    }
    return render(request, "agreements/detail.html", context)


def _pick(drafts, wanted: str | None):
    by_number = {str(d.number): d for d in drafts}
    return by_number.get(wanted or "", drafts[-1])


@csrf_exempt
@member_required
def draft_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload or paste the next draft of a review, then see what changed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    intake.limit_uploads(request)
    return _draft_add(request, pk)


@csrf_protect
def _draft_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, pk=pk)
    form = CheckForm(request.POST, request.FILES)
    try:
        if _oversize(request):
            raise too_large()
        if not form.is_valid():
            raise UserFacingError(" ".join(form.non_field_errors()) or _("Check the form."))
        draft = services.draft_add(
            actor=actor,
            review=review,
            document=_document(request, form),
            lang=form.cleaned_data["lang"] or None,
        )
    except UserFacingError as exc:
        status = getattr(exc, "status", 400)
        return render(
            request, "agreements/save_error.html", {"error": exc, "review": review}, status=status
        )
    url = reverse("agreements:compare", args=[review.pk])
    return redirect(f"{url}?a={draft.number - 1}&b={draft.number}")


@require_safe
def review_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Findings resolved, remaining and new between two drafts (default: the last two)."""
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, pk=pk)
    drafts = selectors.drafts_of(actor=actor, review=review)
    if len(drafts) < 2:
        return redirect("agreements:detail", review.pk)
    new = _pick(drafts, request.GET.get("b"))
    old = _pick(drafts, request.GET.get("a") or str(new.number - 1))
    diff = selectors.compare_reports(old.report, new.report)
    for group in diff.values():
        for finding in group:
            finding["label"] = taxonomy.label("finding_categories", finding["category"])
    context = {"review": review, "drafts": drafts, "old": old, "new": new, "diff": diff}
    return render(request, "agreements/compare.html", context)


@require_safe
def review_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The printable report of one draft as a PDF download."""
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, pk=pk)
    draft = selectors.draft_get(actor=actor, review=review, number=number)
    lines = presenting.report_lines(
        draft.report, title=f"{review.title} — {_('draft')} {draft.number}"
    )
    response = HttpResponse(pdf.write(lines, title=review.title), content_type="application/pdf")
    filename = f"{slugify(review.title) or 'review'}-draft-{draft.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@member_required
def review_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, pk=pk)
    services.review_delete(actor=actor, review=review)
    messages.success(request, _("The review is deleted."))
    return redirect("agreements:list")
