"""Peer-learning pages: "Who else dealt with this?", introductions, watches, notifications.

Members only (two factors). Bad input is a 400 page naming the problem; an unknown or
invisible report, counterpart or request is a 404, exactly like one that does not exist.
"""

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from twinwise.access.actors import actor_for
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.decorators import member_required
from twinwise.cases.selectors import case_get, case_present
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.core.htmx import is_htmx
from twinwise.directory.models import Counterpart

from . import selectors, services
from .models import DigestFrequency

MAX_ID = 2**63 - 1


def bad_input(view):
    """UserFacingError → a calm 400 page naming the field; PermissionDenied → 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except UserFacingError as exc:
            context = {"message": exc.message, "field": exc.field}
            return render(request, "peers/bad_input.html", context, status=400)
        except PermissionDenied as exc:
            context = {"message": str(exc), "field": None}
            return render(request, "peers/bad_input.html", context, status=403)

    return wrapper


def _int_param(value: str | None, field: str) -> int:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise UserFacingError(_("give a whole number"), field=field)
    return int(text)


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


# -- the peer finder ---------------------------------------------------------------------


@member_required
@bad_input
@require_GET
def peer_finder(request: HttpRequest) -> HttpResponse:
    """From a report (?case=), a counterpart (?counterpart=) or a topic (?topic=)."""
    actor = actor_for(request)
    given = [k for k in ("case", "counterpart", "topic") if request.GET.get(k)]
    if len(given) != 1:
        raise UserFacingError(
            _("say what to start from: one of case, counterpart or topic"), field="case"
        )
    context: dict = {"start": given[0]}
    if given[0] == "case":
        case = case_get(actor=actor, pk=_int_param(request.GET["case"], "case"), audit_read=False)
        context["subject"] = case_present(actor=actor, case=case)
        groups = selectors.peer_finder(actor=actor, case=case)
    elif given[0] == "counterpart":
        counterpart = get_object_or_404(
            Counterpart, pk=_int_param(request.GET["counterpart"], "counterpart")
        )
        context["counterpart"] = counterpart
        groups = selectors.peer_finder(actor=actor, counterpart=counterpart)
    else:
        topic = request.GET["topic"].strip()
        if topic not in taxonomy.ids("topics"):
            raise UserFacingError(
                _("%(value)r is not a topic") % {"value": topic[:50]}, field="topic"
            )
        context["topic"] = {"id": topic, "label": taxonomy.label("topics", topic)}
        groups = selectors.peer_finder(actor=actor, topic=topic)
    context["groups"] = groups
    context["can_ask"] = actor.organisation_verified
    return render(request, "peers/finder.html", context)


# -- introductions -----------------------------------------------------------------------


@member_required
@bad_input
@require_POST
def introduction_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    case_id = _int_param(request.POST.get("case"), "case")
    services.introduction_request(
        actor=actor, case_id=case_id, message=request.POST.get("message", "")
    )
    messages.success(
        request,
        _("Your request was sent. You will be notified when the other office answers."),
    )
    return redirect(_next_url(request, reverse("peers:introductions")))


@member_required
@require_GET
def introduction_list(request: HttpRequest) -> HttpResponse:
    lists = selectors.introductions_for(actor=actor_for(request))
    return render(request, "peers/introductions.html", lists)


@member_required
@bad_input
@require_POST
def introduction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        raise UserFacingError(_("answer accept or decline"), field="answer")
    services.introduction_decide(actor=actor_for(request), pk=pk, accept=answer == "accept")
    if answer == "accept":
        messages.success(request, _("Accepted. Both offices now see each other's contact details."))
    else:
        messages.success(request, _("Declined. The other office has been told, without a reason."))
    return redirect("peers:introductions")


# -- watches ------------------------------------------------------------------------------


@member_required
@bad_input
def watch_list(request: HttpRequest) -> HttpResponse:
    """GET: what I watch and my digest setting. POST: watch something (kind, target)."""
    actor = actor_for(request)
    if request.method == "POST":
        watch = services.watch_create(
            actor=actor, kind=request.POST.get("kind", ""), target=request.POST.get("target")
        )
        if is_htmx(request):
            return render(
                request,
                "peers/_watch_button.html",
                {"watch": watch, "kind": watch.kind, "target": request.POST["target"]},
            )
        messages.success(request, _("You are now watching this."))
        return redirect(_next_url(request, reverse("peers:watches")))
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context = {
        "watches": selectors.watch_present_many(
            actor=actor, watches=selectors.watches_for(actor=actor)
        ),
        "frequency": services.digest_frequency(actor=actor),
        "frequencies": DigestFrequency.choices,
        "topics": taxonomy.choices("topics"),
    }
    return render(request, "peers/watches.html", context)


@member_required
@bad_input
@require_POST
def watch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_for(request)
    services.watch_delete(actor=actor, pk=pk)
    if is_htmx(request):
        kind, target = request.POST.get("kind", ""), request.POST.get("target", "")
        return render(
            request, "peers/_watch_button.html", {"watch": None, "kind": kind, "target": target}
        )
    messages.success(request, _("You no longer watch this."))
    return redirect(_next_url(request, reverse("peers:watches")))


@member_required
@bad_input
@require_POST
def digest_setting(request: HttpRequest) -> HttpResponse:
    services.digest_frequency_set(
        actor=actor_for(request), frequency=request.POST.get("frequency", "")
    )
    messages.success(request, _("Your digest setting was saved."))
    return redirect("peers:watches")


# -- notifications -------------------------------------------------------------------------


@member_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    notes = selectors.notifications_for(actor=actor)[:100]
    items = selectors.notification_present_many(actor=actor, notifications=notes)
    return render(request, "peers/notifications.html", {"items": items})


@member_required
@bad_input
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    pk = request.POST.get("id")
    services.notifications_mark_read(
        actor=actor_for(request), pk=_int_param(pk, "id") if pk else None
    )
    return redirect("peers:notifications")
