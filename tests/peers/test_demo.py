"""The issue's "done when" in the demo network: Lyon's officer asks Munich (who reported the
same consulate demand about a Tibet film) for an introduction, Munich's admin accepts, and a
watcher of that consulate gets the digest."""

import pytest
from django.core import mail

from tests.core.test_demo_network import actor as demo_actor
from tests.core.test_demo_network import create, demo_case, directory  # noqa: F401
from twinwise.directory.models import Counterpart
from twinwise.peers import selectors, services
from twinwise.peers.models import Watch

pytestmark = pytest.mark.django_db


def test_the_demo_story(directory):  # noqa: F811
    create()
    munich = demo_case("munich-tibet-film")
    consulate = Counterpart.objects.get(name="Consulate General of the PRC in Munich")
    assert munich.counterpart == consulate  # the German name found the one record
    assert demo_case("lyon-tibet-film").counterpart.name.endswith("in Lyon")

    julien = demo_actor("julien.moreau")
    groups = selectors.peer_finder(actor=julien, case=demo_case("lyon-tibet-film"))
    assert [g.label for g in groups] == ["City of Munich — International Affairs (demo)"]
    assert "same kind of case" in groups[0].cases[0]["reasons"]
    intro = services.introduction_request(actor=julien, case_id=munich.pk, message="Hello")
    intro = services.introduction_decide(actor=demo_actor("anna.weber"), pk=intro.pk, accept=True)
    seen = selectors.introduction_present(actor=julien, intro=intro)
    assert seen["contacts"]["target"]["email"] == "anna.weber@munich.example"

    assert Watch.objects.filter(user__username="claire.martin", counterpart=consulate).exists()
    mail.outbox.clear()
    services.digests_send(frequency="daily")
    to_claire = [m for m in mail.outbox if m.to == ["claire.martin@lyon.example"]]
    assert to_claire and munich.title in to_claire[0].body


def test_running_the_demo_twice_adds_no_watches_or_notifications(directory):  # noqa: F811
    from twinwise.peers.models import Notification

    create()
    counts = Watch.objects.count(), Notification.objects.count()
    create()
    assert (Watch.objects.count(), Notification.objects.count()) == counts
