"""Fixtures for the public pages: the shared small world plus a few records only pages need."""

import pytest

from tests import factories
from twinwise.core.versioning import bump
from twinwise.partnerships.models import PartnershipSource


@pytest.fixture
def pages_world(world):
    """The small world, plus a hidden (TLP:AMBER) tie and an event cited by two articles."""
    places = world["places"]
    world["ties"]["hidden"] = factories.partnership(places["lyon"], places["wuhan"], tlp="amber")
    tie = world["ties"]["prague_beijing"]
    for url in ("https://news.example.org/a", "https://news.example.org/b"):
        PartnershipSource.objects.create(
            partnership=tie,
            role="status",
            dataset="incidents",
            reference="CZ-1",
            title="Prague Monitor",
            note="Council voted to end it.",
            url=url,
        )
    PartnershipSource.objects.create(
        partnership=tie, role="listing", dataset="wikidata-2022", reference="twinnings.csv:1"
    )
    bump("partnerships")
    return world


@pytest.fixture
def htmx():
    """Headers of an htmx request (not boosted): the view answers with the fragment only."""
    return {"HTTP_HX_REQUEST": "true"}
