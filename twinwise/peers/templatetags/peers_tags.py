"""Small peer-learning pieces other pages include: the watch button, the case panel and the
unread count in the header."""

from django import template

from twinwise.access.actors import actor_for
from twinwise.peers import selectors

register = template.Library()


@register.inclusion_tag("peers/_watch_button.html", takes_context=True)
def watch_button(context, kind: str, target) -> dict:
    """Watch / stop watching, for members signed in with two factors (nothing otherwise)."""
    request = context["request"]
    actor = actor_for(request)
    if actor.organisation_id is None:
        return {"hidden": True}
    watch = selectors.watching(actor=actor, kind=kind, target=target)
    return {
        "request": request,
        "watch": watch,
        "kind": kind,
        "target": target,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("peers/_case_panel.html", takes_context=True)
def case_peers_panel(context, case) -> dict:
    """On a report's page: "Who else dealt with this?", its counterpart's profile, watch."""
    request = context["request"]
    actor = actor_for(request)
    if actor.organisation_id is None or case.state != "published":
        return {"panel": None}
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "panel": {
            "case_id": case.pk,
            "counterpart": case.counterpart,
            "watch": selectors.watching(actor=actor, kind="case", target=case.pk),
        },
    }


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return 0
    return selectors.unread_count(actor=actor_for(request))
