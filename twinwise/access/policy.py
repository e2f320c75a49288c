"""THE place that decides who may see or do what.

One rule per protected model and action, written once as a `Q` builder. `visible()` filters
querysets with it, `can()` asks the database whether one object passes the same rule, so
lists, detail pages, search, exports and the API cannot disagree. Default deny: an action
without a rule is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .actors import Actor

Rule = Callable[[Actor], Q]


@dataclass(frozen=True)
class RuleEntry:
    model_label: str
    action: str
    rule: Rule
    doc: str


_RULES: dict[tuple[str, str], RuleEntry] = {}


class PermissionDenied(DjangoPermissionDenied):
    """Visible but not allowed: answer 403 (Django's handler does, for any view)."""


def rule(model_label: str, action: str) -> Callable[[Rule], Rule]:
    """Register the one rule for (model, action). A second registration is a bug."""

    def register(fn: Rule) -> Rule:
        key = (model_label, action)
        if key in _RULES:
            raise RuntimeError(f"access rule for {key} registered twice")
        _RULES[key] = RuleEntry(model_label, action, fn, (fn.__doc__ or "").strip())
        return fn

    return register


def _label(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def condition(actor: Actor, model: type[Model], action: str = "view") -> Q:
    """The Q that selects what `actor` may do `action` on; nothing when no rule exists."""
    entry = _RULES.get((_label(model), action))
    if entry is None:
        return Q(pk__in=[])
    return entry.rule(actor)


def visible(actor: Actor, qs: QuerySet, action: str = "view") -> QuerySet:
    """Filter `qs` down to what `actor` may `action`."""
    return qs.filter(condition(actor, qs.model, action))


def get_for(actor: Actor, qs: QuerySet, action: str = "view", **lookup: Any) -> Model:
    """One object the actor may see, or Http404 — never reveal that an invisible one exists.

    With another `action`, a visible object the actor may not `action` is PermissionDenied.
    """
    try:
        obj = visible(actor, qs, "view").get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404("No such record.") from exc
    if action != "view":
        require(actor, action, obj)
    return obj


def can(actor: Actor, action: str, obj: Model) -> bool:
    """Whether `actor` may `action` on `obj`, decided by the same Q as `visible()`."""
    model = type(obj)
    return model._default_manager.filter(pk=obj.pk).filter(condition(actor, model, action)).exists()


def require(actor: Actor, action: str, obj: Model) -> None:
    """Raise Http404 when `obj` is invisible to `actor`, PermissionDenied when only `action` is not allowed."""
    if action != "view" and not can(actor, "view", obj):
        raise Http404("No such record.")
    if not can(actor, action, obj):
        if action == "view":
            raise Http404("No such record.")
        raise PermissionDenied(f"You may not {action} this record.")


ModelRule = Callable[[Actor], bool]
_MODEL_RULES: dict[tuple[str, str], ModelRule] = {}


def model_rule(model_label: str, action: str) -> Callable[[ModelRule], ModelRule]:
    """Register the rule for an action on a model as a whole (create, import)."""

    def register(fn: ModelRule) -> ModelRule:
        key = (model_label, action)
        if key in _MODEL_RULES:
            raise RuntimeError(f"access rule for {key} registered twice")
        _MODEL_RULES[key] = fn
        return fn

    return register


def can_model(actor: Actor, model: type[Model], action: str) -> bool:
    fn = _MODEL_RULES.get((_label(model), action))
    return bool(fn and fn(actor))


def require_model(actor: Actor, model: type[Model], action: str) -> None:
    """Raise PermissionDenied unless `actor` may `action` on `model` as a whole."""
    if not can_model(actor, model, action):
        raise PermissionDenied(f"You may not {action} {model._meta.verbose_name_plural}.")


def explain(model: type[Model] | None = None) -> list[RuleEntry]:
    """Every registered rule (optionally for one model), for docs and the explain command."""
    return [e for e in _RULES.values() if model is None or e.model_label == _label(model)]
