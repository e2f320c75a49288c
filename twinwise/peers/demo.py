"""Peer learning in the demo network: counterparts known by all their names, reports linked to
them, and a few people watching what their office follows — so that a digest is waiting.

Called at the end of `core.demo_network.demo_network_create`; idempotent like it.
"""

from twinwise.access.actors import Actor
from twinwise.cases.models import Case, CaseState
from twinwise.directory.services import counterpart_find, counterparts_load

from . import services

# (username, kind, target): a topic id, or a counterpart's name in any of its spellings.
WATCHES = (
    # Lyon's admin follows the consulate that wrote to Munich (Lyon reads Munich's report).
    ("claire.martin", "counterpart", "Consulate General of the PRC in Munich"),
    ("lukas.bauer", "topic", "tibet"),
    ("erik.lindqvist", "counterpart", "CPAFFC"),
)
DAILY = ("claire.martin",)


def demo_peers(*, users: dict, external_id_prefix: str) -> None:
    counterparts_load()
    for username, kind, target in WATCHES:
        actor = Actor.from_user(users[username], strong=True)
        if kind == "counterpart":
            target = counterpart_find(target).pk
        services.watch_create(actor=actor, kind=kind, target=target)
    for username in DAILY:
        services.digest_frequency_set(
            actor=Actor.from_user(users[username], strong=True), frequency="daily"
        )
    published = Case.objects.filter(
        external_id__startswith=external_id_prefix, state=CaseState.PUBLISHED
    ).order_by("pk")
    for case_id in published.values_list("pk", flat=True):
        services.case_published_fanout(case_id=case_id)
