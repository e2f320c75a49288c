"""Peer-learning fixtures: the report pages' small network (Lyon, Munich, Leipzig, an
unverified office) plus the counterparts the reports name."""

import pytest

from tests import factories
from tests.cases.pages_fixtures import actor, as_user, net, shared_report  # noqa: F401
from twinwise.cases import services as case_services
from twinwise.directory.models import Counterpart


@pytest.fixture
def consulate(db):
    factories.country("CN")
    return Counterpart.objects.create(
        kind="consulate",
        country_id="CN",
        name="Consulate General of the PRC in Munich",
        alt_names="Generalkonsulat der Volksrepublik China in München|中华人民共和国驻慕尼黑总领事馆",
    )


def file_report(network, author: str, **data):
    """A report through the real services (amber to Munich unless said otherwise)."""
    base = {
        "tlp": "amber",
        "counterpart_name": "Generalkonsulat der Volksrepublik China in München",
    }
    base.update(data)
    recipients = None
    if base["tlp"] == "amber":
        own = network[author].organisation_id
        recipients = {
            "members": [o.pk for o in (network["munich"], network["lyon"]) if o.pk != own]
        }
    return shared_report(network, author=author, data=base, recipients=recipients)


def publish_green(network, author: str, **data):
    """A green report through submission and moderation."""
    case = shared_report(network, author=author, data={"tlp": "green", **data}, recipients={})
    return case_services.case_moderate(actor=actor(network["mod"]), case=case, publish=True)


@pytest.fixture(autouse=True)
def emails(request):
    """Everyone in the network has an email address (the digest and introductions use it)."""
    if "net" not in request.fixturenames:
        return
    network = request.getfixturevalue("net")
    for value in network.values():
        if hasattr(value, "email"):
            value.email = f"{value.username}@example.org"
            value.save(update_fields=["email"])
