"""Pages: the "Similar experiences" panel of a report (its own URL, loaded by htmx after the
report page so that page stays fast; a whole page without JavaScript) and the drafting
hint "others reported something like this" (htmx, as the officer types)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from twinwise.access.actors import actor_for
from twinwise.access.policy import can_model
from twinwise.cases.models import Case
from twinwise.cases.selectors import case_get
from twinwise.cases.services import clean_case_data
from twinwise.core.errors import UserFacingError
from twinwise.core.htmx import render_page_or_fragment

from .selectors import DEFAULT_K, case_similar_list, check_text

TEMPLATE = "similar/similar.html"
HINT_RESULTS = 3
# Below this many letters a draft says too little to compare: the hint stays quiet. Reports
# scoring below HINT_MIN_SCORE share a detail or two, not a situation: the hint leaves them out.
HINT_MIN_CHARS = 40
HINT_MIN_SCORE = 0.25
HINT_FIELDS = (
    "title",
    "counterpart_kind",
    "counterpart_name",
    "case_type",
    "topics",
    "channel",
    "summary",
    "demand",
    "response",
    "response_type",
    "language",
)


@require_GET
def case_similar(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    # The report page itself recorded the read in the audit log.
    case = case_get(actor=actor, pk=pk, audit_read=False)
    results = case_similar_list(actor=actor, case=case, k=DEFAULT_K)
    return render_page_or_fragment(request, TEMPLATE, "panel", {"case": case, "results": results})


@require_POST
def draft_hint(request: HttpRequest) -> HttpResponse:
    """The reports like the draft being written (the form's fields, posted by htmx)."""
    actor = actor_for(request)
    if not can_model(actor, Case, "create"):
        return render(request, f"{TEMPLATE}#hint", {"results": []}, status=403)
    data = {f: request.POST.get(f, "") for f in HINT_FIELDS if f != "topics"}
    data["topics"] = request.POST.getlist("topics")
    try:
        draft = Case(**clean_case_data(data))
        text = " ".join(filter(None, (draft.title, draft.summary, draft.demand, draft.response)))
        if len(text.strip()) < HINT_MIN_CHARS:
            return render(request, f"{TEMPLATE}#hint", {"results": [], "quiet": True})
        check_text(text)
        exclude = (
            (int(request.POST["case_id"]),) if request.POST.get("case_id", "").isdigit() else ()
        )
        results = case_similar_list(actor=actor, case=draft, k=HINT_RESULTS, exclude=exclude)
        results = [r for r in results if r.score >= HINT_MIN_SCORE]
    except UserFacingError as exc:
        return render(request, f"{TEMPLATE}#hint", {"error": exc}, status=400)
    return render(request, f"{TEMPLATE}#hint", {"results": results})
