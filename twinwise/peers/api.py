"""/api/v1/watches and /api/v1/notifications: what a member follows and what is new for them.

Members only: a token (`Authorization: Bearer …`) or a browser session signed in with two
factors (plus the CSRF token for writes). Everything is the caller's own; someone else's
watch or notification answers 404, like one that does not exist. Bad input answers the
error envelope naming the field.
"""

from typing import Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.security import SessionAuth

from twinwise.access.actors import actor_for
from twinwise.access.policy import require_model
from twinwise.accounts.auth import ApiTokenAuth
from twinwise.api.errors import ErrorEnvelope
from twinwise.core.errors import UserFacingError

from . import selectors, services
from .models import Watch

router = Router(tags=["peers"])
AUTH = [ApiTokenAuth(), SessionAuth()]
MAX_ID = 2**63 - 1
ERRORS = {400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope}


class WatchIn(Schema):
    kind: Literal["counterpart", "topic", "partnership", "case"]
    target: str | int


class WatchOut(Schema):
    id: int
    kind: str
    label: str
    target: str


class WatchListOut(Schema):
    count: int
    results: list[WatchOut]


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    created_at: str
    read: bool
    case: int | None = None
    counterpart: int | None = None
    counts: dict | None = None


class NotificationListOut(Schema):
    count: int
    results: list[NotificationOut]


def _member(request: HttpRequest):
    actor = actor_for(request)
    require_model(actor, Watch, "create")
    return actor


def _no_params(request: HttpRequest) -> None:
    if request.GET:
        raise UserFacingError(
            "this endpoint takes no query parameters", field=next(iter(request.GET))
        )


@router.get(
    "/watches",
    auth=AUTH,
    response={200: WatchListOut, **ERRORS},
    summary="What you watch",
    url_name="watch_list",
)
def watch_list(request: HttpRequest):
    _no_params(request)
    actor = _member(request)
    items = selectors.watch_present_many(actor=actor, watches=selectors.watches_for(actor=actor))
    return {"count": len(items), "results": items}


@router.post(
    "/watches",
    auth=AUTH,
    response={201: WatchOut, **ERRORS},
    summary="Watch a counterpart, topic, partnership or report",
    description="`target` is a topic id for kind=topic, else the record's id. An "
    "unknown id, or a report or partnership you may not see, answers 404.",
    url_name="watch_create",
)
def watch_create(request: HttpRequest, payload: WatchIn):
    actor = _member(request)
    watch = services.watch_create(actor=actor, kind=payload.kind, target=payload.target)
    return 201, selectors.watch_present_many(actor=actor, watches=[watch])[0]


@router.delete(
    "/watches/{id}",
    auth=AUTH,
    response={204: None, **ERRORS},
    summary="Stop watching",
    url_name="watch_delete",
)
def watch_delete(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)):
    services.watch_delete(actor=_member(request), pk=id)
    return 204, None


@router.get(
    "/notifications",
    auth=AUTH,
    response={200: NotificationListOut, **ERRORS},
    summary="Your notifications (newest first, at most 100)",
    description="Reports are re-checked against the access policy when read: one you "
    "may no longer see is left out. Pattern notices carry counts only.",
    url_name="notification_list",
)
def notification_list(request: HttpRequest):
    _no_params(request)
    actor = _member(request)
    notes = selectors.notifications_for(actor=actor)[:100]
    items = selectors.notification_present_many(actor=actor, notifications=notes)
    return {
        "count": len(items),
        "results": [
            {
                "id": n["id"],
                "kind": n["kind"],
                "text": n["text"],
                "created_at": n["created_at"].isoformat(),
                "read": n["read"],
                "case": n["case"]["id"] if n.get("case") else None,
                "counterpart": n["counterpart"]["id"] if n.get("counterpart") else None,
                "counts": n.get("counts"),
            }
            for n in items
        ],
    }


@router.post(
    "/notifications/{id}/read",
    auth=AUTH,
    response={204: None, **ERRORS},
    summary="Mark a notification read",
    url_name="notification_read",
)
def notification_read(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)):
    services.notifications_mark_read(actor=_member(request), pk=id)
    return 204, None
