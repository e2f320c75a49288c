"""The rules themselves. Sharing levels follow TLP 2.0 (core/taxonomy/tlp_levels.json)."""

from django.db.models import Q

from .actors import Actor
from .policy import model_rule, rule


def partnership_levels(actor: Actor) -> frozenset[str]:
    """The sharing levels of partnerships `actor` may see.

    Partnerships carry a TLP level but no owner yet: the public registry holds TLP:CLEAR
    records, which everyone (anonymous visitors included) may see. Records at other levels
    stay invisible until member organisations exist to own them.
    """
    return frozenset({"clear"})


@rule("partnerships.partnership", "view")
def partnership_view(actor: Actor) -> Q:
    """Anyone sees TLP:CLEAR partnerships; nothing else is visible yet."""
    return Q(tlp__in=sorted(partnership_levels(actor)))


@rule("partnerships.partnershipsource", "view")
def partnership_source_view(actor: Actor) -> Q:
    """A source is visible exactly when its partnership is (children inherit)."""
    return Q(partnership__tlp__in=sorted(partnership_levels(actor)))


@model_rule("partnerships.partnership", "import")
def partnership_import(actor: Actor) -> bool:
    """Only operators (staff, or the command line run by one) import registry data."""
    return actor.is_staff
