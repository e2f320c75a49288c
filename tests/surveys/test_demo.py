"""The directors' poll of the demo network: two years, answered through the real services."""

import pytest

from tests.core.test_demo_network import create, directory  # noqa: F401  (fixture)
from twinwise.access.actors import Actor
from twinwise.access.policy import PermissionDenied
from twinwise.accounts.models import User
from twinwise.surveys.demo import demo_poll_create
from twinwise.surveys.models import Campaign, Participation, Response
from twinwise.surveys.selectors import campaign_results, peers_comparison


def test_demo_poll_two_years_idempotent(directory):  # noqa: F811
    create()
    report = demo_poll_create(actor=Actor.operator("test"))
    assert (report.campaigns_created, report.responses_submitted) == (2, 8)
    last_year, this_year = Campaign.objects.order_by("year")
    assert (last_year.year, last_year.state, this_year.year, this_year.state) == (
        2025,
        "closed",
        2026,
        "open",
    )
    assert Participation.objects.filter(campaign=this_year).count() == 3
    assert Response.objects.filter(campaign=this_year, state="draft").count() == 1  # Vienna
    coordinator = Actor.from_user(User.objects.get(username="moderator"), strong=True)
    assert campaign_results(actor=coordinator, campaign=last_year).responses == 5
    lyon = Actor.from_user(User.objects.get(username="claire.martin"), strong=True)
    mine = peers_comparison(actor=lyon, campaign=last_year)
    assert mine["submitted"] and mine["peers_n"] == 4
    assert demo_poll_create(actor=Actor.operator("test")).campaigns_created == 0
    with pytest.raises(PermissionDenied):
        demo_poll_create(actor=coordinator)
