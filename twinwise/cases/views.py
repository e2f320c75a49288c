"""Experience-report pages: the form (new and edit, saved as you go), the report page with its
comments and history, withdrawal, moderation and the audit log.

Views parse, call a selector or service and render. Who may see or do what is the access
policy's decision: an invisible report is a 404 (never revealing that it exists), a visible
one the person may not change is a 403. Every write is a POST with a CSRF token.
"""

import csv
import datetime as dt
import json
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from twinwise.access.actors import actor_for
from twinwise.access.policy import PermissionDenied, can_model, require
from twinwise.accounts.decorators import member_required
from twinwise.core.errors import UserFacingError
from twinwise.core.htmx import is_htmx
from twinwise.partnerships.selectors import (
    parse_registry_query,
    partnership_get,
    partnership_search,
)

from . import forms
from .attachments import attachment_panel_context
from .models import Case
from .selectors import (
    audit_events,
    case_get,
    case_present,
    case_present_many,
    case_queryset,
    comments_present,
    person_name,
    revisions_for,
)
from .services import (
    case_create,
    case_moderate,
    case_submit,
    case_update,
    case_withdraw,
    comment_create,
)

FORM_TEMPLATE = "cases/form.html"
DETAIL_TEMPLATE = "cases/detail.html"
AUDIT_PAGE_SIZE = 50
PARTNERSHIP_RESULTS = 8


def policy_errors(view):
    """Turn the access policy's PermissionDenied (visible, but not allowed) into a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return render(request, "cases/forbidden.html", status=403)

    return wrapper


# -- the form: new report and edit draft ---------------------------------------------------


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """A new report. The first autosave creates the draft; later saves update it."""
    actor = actor_for(request)
    if not can_model(actor, Case, "create"):
        return render(request, "cases/forbidden.html", {"reason": "create"}, status=403)
    case = _draft_named_in_post(request, actor)
    if request.method == "POST":
        return _form_post(request, actor, case)
    return _render_form(request, actor, forms.CaseForm(initial={"tlp": "amber-strict"}), None)


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft (or a report a moderator returned): only its author may."""
    actor = actor_for(request)
    case = case_get(actor=actor, pk=pk, audit_read=False)
    require(actor, "edit", case)
    if request.method == "POST":
        return _form_post(request, actor, case)
    form = forms.CaseForm(initial=forms.initial_from_case(case))
    return _render_form(request, actor, form, case)


def _draft_named_in_post(request: HttpRequest, actor) -> Case | None:
    """After the first autosave the new-report form carries the draft's id: keep updating it."""
    raw = request.POST.get("case_id", "") if request.method == "POST" else ""
    if not raw.isdigit():
        return None
    case = case_get(actor=actor, pk=int(raw), audit_read=False)
    require(actor, "edit", case)
    return case


def _form_post(request: HttpRequest, actor, case: Case | None) -> HttpResponse:
    form = forms.CaseForm(request.POST)
    if is_htmx(request) and request.GET.get("autosave"):
        return _autosave(request, actor, form, case)
    action = request.POST.get("action", "save")
    valid = form.is_valid()
    if action in ("find-members", "find-users", "find-partnership"):
        # Without JavaScript the pickers search by posting the form: show results, save nothing.
        return _render_form(request, actor, form, case, find=action[5:])
    if not valid:
        return _render_form(request, actor, form, case, status=400)
    try:
        case = _save(actor, form, case)
    except UserFacingError as error:
        form.add_service_error(error)
        return _render_form(request, actor, form, case, status=400)
    if action == "submit":
        return _submit(request, actor, form, case)
    if case.state == "draft":
        messages.success(request, _("Draft saved. Only you can see it."))
    else:
        messages.success(request, _("Changes saved. Submit the report again to share it."))
    return redirect("cases:edit", case.pk)


def _save(actor, form: forms.CaseForm, case: Case | None) -> Case:
    data, recipients = form.case_data(), form.recipients()
    if case is None:
        return case_create(actor=actor, data=data, recipients=recipients)
    return case_update(actor=actor, case=case, data=data, recipients=recipients)


def _submit(request: HttpRequest, actor, form: forms.CaseForm, case: Case) -> HttpResponse:
    missing = form.missing_to_submit()
    for name in missing:
        form.add_error(
            name, forms.REQUIRED_MESSAGES.get(name, _("Fill this in before sharing the report."))
        )
    if not missing:
        try:
            case = case_submit(actor=actor, case=case)
        except UserFacingError as error:
            form.add_service_error(error)
    if form.errors:
        return _render_form(request, actor, form, case, status=400, draft_kept=True)
    if case.state == "pending":
        messages.success(
            request,
            _(
                "Your report is waiting for a network moderator. Once they publish it, it is shared "
                "as you chose; if they return it, you will find their comment here."
            ),
        )
    else:
        messages.success(
            request, _("Your report is shared. The people who may see it can read it now.")
        )
    return redirect("cases:detail", case.pk)


def _autosave(request: HttpRequest, actor, form: forms.CaseForm, case: Case | None) -> HttpResponse:
    """htmx: save the draft quietly and answer with the "Draft saved 10:42" status."""
    created, error = False, None
    if not form.is_valid():
        error = _first_error(form)
    elif case is None and not form.cleaned_data.get("title"):
        error = ""  # nothing to save yet: a draft needs a title
    else:
        try:
            created = case is None
            case = _save(actor, form, case)
        except UserFacingError as exc:
            created = False
            form.add_service_error(exc)
            error = _first_error(form)
    context = {
        **_sharing_context(request, actor, form.data, case, results=False),
        **(_attachments_context(request, actor, case) if created else {}),
        "case": case,
        "autosave_error": error,
        "draft_created": created,
    }
    response = render(request, f"{FORM_TEMPLATE}#autosave", context)
    if created:
        response["HX-Replace-Url"] = reverse("cases:edit", args=[case.pk])
    return response


def _first_error(form: forms.CaseForm) -> dict:
    name, errors = next(iter(form.errors.items()))
    return {
        "id": _field_anchor(name),
        "label": forms.FIELD_LABELS.get(name, ""),
        "message": errors[0],
    }


def _field_anchor(name: str) -> str:
    return {
        "__all__": "case-form",
        "tlp": "id_tlp_0",
        "case_type": "id_case_type_0",
        "response_type": "id_response_type_0",
        "topics": "id_topics_0",
        "members": "find-members",
        "users": "find-users",
    }.get(name, f"id_{name}")


def _render_form(
    request: HttpRequest,
    actor,
    form: forms.CaseForm,
    case: Case | None,
    *,
    status: int = 200,
    find: str = "",
    draft_kept: bool = False,
) -> HttpResponse:
    values = _bound_values(form.data) if form.is_bound else _initial_as_data(form.initial)
    context = {
        "form": form,
        "case": case,
        "v": values,
        "errors": [
            {"id": _field_anchor(n), "label": forms.FIELD_LABELS.get(n, ""), "message": m}
            for n, ms in form.errors.items()
            for m in ms
        ],
        "draft_kept": draft_kept,
        "steps": forms.STEPS,
        "choices": forms.taxonomy_choices(),
        "months": forms.MONTHS,
        **_sharing_context(request, actor, values, case, find=find),
        **_partnership_context(actor, values, find == "partnership"),
        "form_action": reverse("cases:edit", args=[case.pk]) if case else reverse("cases:new"),
        **(_attachments_context(request, actor, case) if case else {}),
    }
    return render(request, FORM_TEMPLATE, context, status=status)


def _attachments_context(request: HttpRequest, actor, case: Case) -> dict:
    """The attachments panel of the form; after an upload the author comes back to the form."""
    context = attachment_panel_context(request, actor=actor, case=case)
    context["attachment_next"] = reverse("cases:edit", args=[case.pk])
    return context


LIST_FIELDS = ("topics", "members", "users")


def _bound_values(data) -> dict:
    """What the browser sent, with the repeated fields as lists, to show it back unchanged."""
    values = {key: data.get(key, "") for key in data}
    values.update({key: data.getlist(key) for key in LIST_FIELDS})
    return values


def _initial_as_data(initial: dict) -> dict:
    """Initial values in the shape of POST data, so the template reads one kind of value."""
    out = {}
    for key, value in initial.items():
        if isinstance(value, bool):
            out[key] = "on" if value else ""
        elif isinstance(value, list):
            out[key] = value
        else:
            out[key] = "" if value is None else str(value)
    return out


def _getlist(values, key: str) -> list[str]:
    if hasattr(values, "getlist"):
        return values.getlist(key)
    value = values.get(key) or []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _sharing_context(
    request, actor, values, case: Case | None, *, find: str = "", results: bool = True
) -> dict:
    """Recipients (chosen and found) and the "who will see it" box, from the current values."""
    user = request.user
    tlp = values.get("tlp") or ""
    member_ids, user_ids = _getlist(values, "members"), _getlist(values, "users")
    members = forms.chosen_organisations(member_ids) if tlp == "amber" else []
    users = forms.chosen_users(user_ids) if tlp == "red" else []
    query = (values.get(f"find_{find}") or "").strip() if find else ""
    return {
        "tlp": tlp,
        "tlp_options": forms.tlp_options(),
        "chosen_members": members,
        "chosen_users": users,
        "member_results": forms.organisation_choices(actor=actor, q=query, exclude=member_ids)
        if results and tlp == "amber" and find in ("", "members")
        else [],
        "user_results": forms.user_choices(actor=actor, q=query, exclude=user_ids)
        if results and tlp == "red" and find in ("", "users")
        else [],
        "find": find,
        "find_query": query,
        "generalised": forms.generalised_reporter(user.organisation) if user else "",
        "audience": forms.audience_before_submit(
            organisation=user.organisation,
            tlp=tlp,
            members=members,
            users=users,
            anonymous=bool(values.get("anonymous")),
            author_name=person_name(user),
        ),
        "saved_at": case.updated_at if case else None,
    }


def _partnership_context(actor, values, searching: bool) -> dict:
    raw = values.get("partnership") or ""
    chosen = None
    if str(raw).isdigit():
        try:
            chosen = partnership_get(actor=actor, pk=int(raw))
        except Http404:  # a partnership the reader may not see is simply not shown
            chosen = None
    query = (values.get("find_partnership") or "").strip() if searching else ""
    return {
        "chosen_partnership": chosen,
        "partnership_results": partnership_choices(actor, query) if query else [],
        "partnership_query": query,
    }


def partnership_choices(actor, q: str) -> list:
    # Only ties with a Chinese side: the ones experience reports are about.
    query = parse_registry_query({"q": [q]}, strict=False)
    page = partnership_search(
        actor=actor, query=query, page_size=PARTNERSHIP_RESULTS, with_facets=False
    )
    return page.rows


# -- htmx pieces of the form ---------------------------------------------------------------


@member_required
@require_GET
def case_sharing(request: HttpRequest) -> HttpResponse:
    """htmx: the recipients panel for the chosen sharing level, and the "who will see it" box."""
    actor = actor_for(request)
    if not can_model(actor, Case, "create"):
        return render(request, "cases/forbidden.html", {"reason": "create"}, status=403)
    context = _sharing_context(request, actor, request.GET, None)
    return render(request, f"{FORM_TEMPLATE}#sharing-update", context)


@member_required
@require_GET
def case_recipient_search(request: HttpRequest) -> HttpResponse:
    """htmx: organisations (amber) or people (red) matching what the author typed."""
    actor = actor_for(request)
    if not can_model(actor, Case, "create"):
        return render(request, "cases/forbidden.html", {"reason": "create"}, status=403)
    kind = "users" if request.GET.get("kind") == "users" else "members"
    values = request.GET.copy()
    values["tlp"] = "red" if kind == "users" else "amber"
    context = _sharing_context(request, actor, values, None, find=kind)
    return render(request, f"{FORM_TEMPLATE}#{kind}-results", context)


@member_required
@require_GET
def case_partnership_search(request: HttpRequest) -> HttpResponse:
    """htmx: registry partnerships matching what the author typed."""
    actor = actor_for(request)
    context = _partnership_context(actor, request.GET, True)
    return render(request, f"{FORM_TEMPLATE}#partnership-results", context)


# -- the report page ------------------------------------------------------------------------


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report as the reader may see it: 404 when they may not see it at all."""
    actor = actor_for(request)
    case = case_get(actor=actor, pk=pk)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, actor, case))


def _detail_context(request, actor, case: Case, **extra) -> dict:
    p = case_present(actor=actor, case=case)
    generalised = p["reporter"]["generalised"]
    own = actor.organisation_id is not None and actor.organisation_id == case.organisation_id
    members = list(case.recipient_organisations.select_related("place")) if own else []
    users = list(case.recipient_users.select_related("organisation__place")) if own else []
    return {
        "case": case,
        "p": p,
        "own": own,
        "sharing_sentence": forms.sharing_sentence(
            actor=actor, case=case, members=members, users=users, reporter_generalised=generalised
        ),
        "members": members,
        "users": users,
        "comments": comments_present(actor=actor, case=case, reporter_generalised=generalised),
        **attachment_panel_context(request, actor=actor, case=case),
        "history": history_items(case, list(revisions_for(actor=actor, case=case)), generalised),
        "partnership": _visible_partnership(actor, case),
        "not_described": _("The sources do not say.")
        if case.organisation.is_public_record
        else _("The reporter did not describe this."),
        **extra,
    }


def _visible_partnership(actor, case: Case):
    if not case.partnership_id:
        return None
    try:
        return partnership_get(actor=actor, pk=case.partnership_id)
    except Http404:  # a partnership the reader may not see is left out
        return None


@member_required
@policy_errors
@require_POST
def case_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """ "We had the same letter": add a comment to a shared report."""
    actor = actor_for(request)
    case = case_get(actor=actor, pk=pk, audit_read=False)
    try:
        comment_create(actor=actor, case=case, body=request.POST.get("body", ""))
    except UserFacingError as error:
        context = _detail_context(
            request,
            actor,
            case,
            comment_error=error.message,
            comment_body=request.POST.get("body", ""),
        )
        return render(request, DETAIL_TEMPLATE, context, status=400)
    messages.success(request, _("Your comment is added."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#comments")


@member_required
@policy_errors
@require_http_methods(["GET", "POST"])
def case_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then withdraw: the report disappears for everyone outside the office."""
    actor = actor_for(request)
    case = case_get(actor=actor, pk=pk, audit_read=False)
    require(actor, "withdraw", case)
    if request.method == "GET":
        return render(
            request,
            "cases/withdraw.html",
            {"case": case, "p": case_present(actor=actor, case=case)},
        )
    case_withdraw(actor=actor, case=case)
    messages.success(
        request, _("The report is withdrawn. No one outside your office can see it any more.")
    )
    return redirect("cases:detail", case.pk)


@member_required
@policy_errors
@require_POST
def case_moderate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A moderator publishes a report or returns it to its author with a comment."""
    actor = actor_for(request)
    case = case_get(actor=actor, pk=pk, audit_read=False)
    publish = request.POST.get("decision") == "publish"
    note = request.POST.get("note", "")
    try:
        case_moderate(actor=actor, case=case, publish=publish, note=note)
    except UserFacingError as error:
        return _moderation_page(
            request, actor, status=400, error={"case": case.pk, "message": error.message}
        )
    if publish:
        messages.success(request, _("“%(title)s” is published.") % {"title": case.title})
    else:
        messages.success(
            request, _("“%(title)s” is returned to its author.") % {"title": case.title}
        )
    if request.POST.get("next") == "detail":
        return redirect("cases:detail", case.pk)
    return redirect("cases:moderation")


# -- moderation queue -----------------------------------------------------------------------


@member_required
@require_GET
def case_moderation(request: HttpRequest) -> HttpResponse:
    """Reports waiting for a moderator (green and clear only; moderators never see red or amber)."""
    actor = actor_for(request)
    if not actor.is_moderator:
        return render(request, "cases/forbidden.html", {"reason": "moderation"}, status=403)
    return _moderation_page(request, actor)


def _moderation_page(
    request, actor, *, status: int = 200, error: dict | None = None
) -> HttpResponse:
    cases = list(case_queryset(actor=actor, action="moderate").order_by("submitted_at", "id"))
    items = case_present_many(actor=actor, cases=cases)
    for item, case in zip(items, cases, strict=True):
        item["submitted_at"] = case.submitted_at
    return render(request, "cases/moderation.html", {"items": items, "error": error}, status=status)


# -- audit log ------------------------------------------------------------------------------


@member_required
@require_GET
def case_audit(request: HttpRequest) -> HttpResponse:
    """Who read or changed your organisation's reports (organisation admins only)."""
    actor = actor_for(request)
    if not actor.is_org_admin:
        return render(request, "cases/forbidden.html", {"reason": "audit"}, status=403)
    page = Paginator(audit_events(actor=actor), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [audit_row(event) for event in page.object_list]
    return render(request, "cases/audit.html", {"page": page, "rows": rows})


@member_required
@require_GET
def case_audit_export(request: HttpRequest) -> HttpResponse:
    """The whole audit log of your organisation as CSV (organisation admins only)."""
    actor = actor_for(request)
    if not actor.is_org_admin:
        return render(request, "cases/forbidden.html", {"reason": "audit"}, status=403)
    rows = (audit_csv_row(e) for e in audit_events(actor=actor).iterator(chunk_size=500))
    writer = csv.writer(_Echo())
    stream = (writer.writerow(row) for row in _with_header(rows))
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="twinwise-audit-{stamp}.csv"'
    return response


class _Echo:
    """A file-like object for csv.writer that hands each line back to the streaming response."""

    def write(self, value):
        return value


def _with_header(rows):
    yield AUDIT_CSV_HEADER
    yield from rows


# -- presentation: comments, history, audit rows ---------------------------------------------

ACTION_LABELS = {
    "read": gettext_lazy("Opened the report"),
    "create": gettext_lazy("Started the draft"),
    "update": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submitted"),
    "publish": gettext_lazy("Published"),
    "return": gettext_lazy("Returned it to the author"),
    "withdraw": gettext_lazy("Withdrew the report"),
    "comment": gettext_lazy("Commented"),
    "attach": gettext_lazy("Added an attachment"),
    "import": gettext_lazy("Imported"),
}
MODERATOR_ACTIONS = ("publish", "return")


def history_items(case: Case, revisions: list, reporter_generalised: bool) -> list[dict]:
    """The change history, oldest first; a run of edits by one person is one entry."""
    items: list[dict] = []
    for rev in revisions:
        last = items[-1] if items else None
        if last and rev.action == "update" == last["action"] and rev.author_id == last["author_id"]:
            last["fields"] = list(dict.fromkeys(last["fields"] + _field_labels(rev.changed_fields)))
            last["until"], last["count"] = rev.created_at, last["count"] + 1
            continue
        items.append(
            {
                "action": rev.action,
                "label": ACTION_LABELS.get(rev.action, rev.action),
                "author_id": rev.author_id,
                "who": _revision_author(case, rev, reporter_generalised),
                "when": rev.created_at,
                "until": None,
                "count": 1,
                "fields": _field_labels(rev.changed_fields) if rev.action == "update" else [],
                "note": rev.note,
            }
        )
    return items


def _field_labels(names) -> list[str]:
    return [str(forms.FIELD_LABELS.get(n, n)) for n in names if n != "state"]


def _revision_author(case: Case, rev, reporter_generalised: bool) -> str:
    if rev.author_id is None:
        return _("An operator")
    if rev.action in MODERATOR_ACTIONS:
        return _("A network moderator") if reporter_generalised else person_name(rev.author)
    if reporter_generalised:
        return _("The reporter") if rev.author_id == case.author_id else _("The reporting office")
    return person_name(rev.author)


def _audit_detail(event) -> str:
    # A new draft "changes" every field; saying so would only hide the interesting entries.
    fields = (
        _field_labels((event.detail or {}).get("fields") or []) if event.action == "update" else []
    )
    return _("Changed: %(fields)s") % {"fields": ", ".join(fields)} if fields else ""


def audit_row(event) -> dict:
    return {
        "when": event.created_at,
        "who": person_name(event.user) if event.user else event.username or _("An operator"),
        "office": event.actor_organisation.name if event.actor_organisation else "",
        "action": ACTION_LABELS.get(event.action, event.action),
        "case_id": event.case_id,
        "case_ref": event.case_ref,
        "detail": _audit_detail(event),
    }


AUDIT_CSV_HEADER = ["time_utc", "user", "organisation", "action", "case_id", "case", "detail"]


def _csv_safe(value) -> str:
    """Cells a spreadsheet would run as a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv_row(event) -> list[str]:
    return [
        _csv_safe(v)
        for v in (
            event.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            event.username,
            event.actor_organisation.name if event.actor_organisation else "",
            event.action,
            event.case_id or "",
            event.case_ref,
            json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True),
        )
    ]
