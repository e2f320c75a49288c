"""Access rules of the similar-cases app, registered with the one policy (access.policy).

An embedding is derived from its case's text: it is visible exactly when the case is.
Computing embeddings (the background task, `twinwise similar --backfill`) is an operator's
job: it reads every case's text, so no member may start it.
"""

from django.db.models import Q

from twinwise.access.actors import Actor
from twinwise.access.policy import model_rule, rule
from twinwise.access.rules import _case_subquery, case_levels_q


@rule("similar.caseembedding", "view")
def case_embedding_view(actor: Actor) -> Q:
    """An embedding is visible exactly when its case is (children inherit)."""
    return Q(case__in=_case_subquery(case_levels_q(actor)))


@model_rule("similar.caseembedding", "compute")
def case_embedding_compute(actor: Actor) -> bool:
    """Operators (the command line, the background worker) compute embeddings."""
    return actor.is_staff
