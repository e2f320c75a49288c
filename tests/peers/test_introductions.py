"""“Who else dealt with this?” and introductions: only reports the asker may see, anonymous
offices stay anonymous until they accept, contact details only after acceptance."""

import pytest
from django.core import mail

from tests.peers.conftest import actor, file_report, publish_green
from twinwise.access.policy import PermissionDenied
from twinwise.core.errors import UserFacingError
from twinwise.peers import selectors, services
from twinwise.peers.models import Introduction, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(net, consulate):
    munich = file_report(net, "max", title="Munich: consulate letter about the Tibet film")
    lyon_anon = publish_green(
        net,
        "ana",
        title="A city was asked to cancel a Tibet film",
        anonymous=True,
        counterpart_name="Consulate General of the PRC in Munich",
    )
    leipzig_amber_strict = file_report(
        net, "zoe", title="Leipzig keeps this to itself", tlp="amber-strict"
    )
    return {"munich": munich, "lyon_anon": lyon_anon, "leipzig": leipzig_amber_strict}


def finder(net, who, case):
    return selectors.peer_finder(actor=actor(net[who]), case=case)


def test_finder_lists_other_offices_with_visible_reports_and_says_why(net, reports):
    groups = finder(net, "zoe", reports["leipzig"])
    labels = [g.label for g in groups]
    # Munich's amber report is not shared with Leipzig; Lyon's green anonymous one is.
    assert len(groups) == 1 and groups[0].generalised
    assert "Lyon" not in labels[0] and labels[0].startswith("a city of")
    reasons = groups[0].cases[0]["reasons"]
    assert "same kind of case" in reasons and any("Tibet" in r for r in reasons)


def test_finder_never_lists_own_office_or_invisible_reports(net, reports):
    groups = finder(net, "ana", reports["lyon_anon"])
    assert [g.label for g in groups] == [net["munich"].name]
    everything = {c["id"] for g in groups for c in g.cases}
    assert reports["leipzig"].pk not in everything and reports["lyon_anon"].pk not in everything


def test_named_introduction_is_answered_by_the_admin_and_exchanges_contacts(net, reports):
    mail.outbox.clear()
    intro = services.introduction_request(
        actor=actor(net["ana"]), case_id=reports["munich"].pk, message="May we talk?"
    )
    assert intro.target == net["munich"] and not intro.anonymous
    # Munich's admin (mia) is told, in the app and by email; the officer max cannot decide.
    assert Notification.objects.filter(user=net["mia"], kind="intro-requested").exists()
    assert [m.to for m in mail.outbox] == [["mia.weber@example.org"]]
    assert "Lyon" in mail.outbox[0].body and "May we talk?" in mail.outbox[0].body
    with pytest.raises(PermissionDenied):
        services.introduction_decide(actor=actor(net["max"]), pk=intro.pk, accept=True)
    before = selectors.introduction_present(actor=actor(net["ana"]), intro=intro)
    assert before["contacts"] is None
    services.introduction_decide(actor=actor(net["mia"]), pk=intro.pk, accept=True)
    intro.refresh_from_db()
    after = selectors.introduction_present(actor=actor(net["ana"]), intro=intro)
    assert {tuple(m.to) for m in mail.outbox[1:]} == {
        ("ana.martin@example.org",),
        ("mia.weber@example.org",),
    }
    assert after["state"] == "accepted"
    assert after["contacts"]["target"]["name"] == "Mia Weber"
    assert after["contacts"]["requester"]["name"] == "Ana Martin"
    for user in (net["ana"], net["mia"]):
        assert Notification.objects.filter(user=user, kind="intro-accepted").exists()


def test_anonymous_report_hides_the_office_until_its_author_accepts(net, reports):
    intro = services.introduction_request(actor=actor(net["zoe"]), case_id=reports["lyon_anon"].pk)
    assert intro.anonymous and intro.target == net["lyon"]
    seen = selectors.introductions_for(actor=actor(net["zoe"]))["asked"][0]
    assert "Lyon" not in seen["target"] and seen["contacts"] is None
    # The author decides (and sees who asks); Lyon's admin may too.
    received = selectors.introductions_for(actor=actor(net["ana"]))["received"][0]
    assert received["can_decide"] and received["requester_organisation"] == net["leipzig"].name
    mail.outbox.clear()
    services.introduction_decide(actor=actor(net["ana"]), pk=intro.pk, accept=True)
    intro.refresh_from_db()
    seen = selectors.introduction_present(actor=actor(net["zoe"]), intro=intro)
    assert seen["target"] == net["lyon"].name and seen["contacts"]["target"]["name"] == "Ana Martin"
    to_zoe = [m for m in mail.outbox if m.to == ["zoe.schulz@example.org"]]
    assert to_zoe and "Ana Martin" in to_zoe[0].body


def test_declining_reveals_nothing(net, reports):
    intro = services.introduction_request(actor=actor(net["zoe"]), case_id=reports["lyon_anon"].pk)
    services.introduction_decide(actor=actor(net["boss"]), pk=intro.pk, accept=False)
    intro.refresh_from_db()
    seen = selectors.introduction_present(actor=actor(net["zoe"]), intro=intro)
    assert seen["state"] == "declined" and "Lyon" not in seen["target"] and not seen["contacts"]
    note = selectors.notification_present_many(
        actor=actor(net["zoe"]), notifications=Notification.objects.filter(user=net["zoe"])
    )
    assert note and "Lyon" not in note[0]["text"]


def test_requests_about_invisible_own_or_unknown_reports_are_refused(net, reports):
    from django.http import Http404

    with pytest.raises(Http404):  # amber-strict Leipzig report: invisible to Lyon
        services.introduction_request(actor=actor(net["ana"]), case_id=reports["leipzig"].pk)
    with pytest.raises(Http404):
        services.introduction_request(actor=actor(net["ana"]), case_id=10**9)
    with pytest.raises(PermissionDenied):  # one's own office
        services.introduction_request(actor=actor(net["boss"]), case_id=reports["lyon_anon"].pk)
    services.introduction_request(actor=actor(net["zoe"]), case_id=reports["lyon_anon"].pk)
    with pytest.raises(UserFacingError) as twice:
        services.introduction_request(actor=actor(net["zoe"]), case_id=reports["lyon_anon"].pk)
    assert twice.value.field == "case"
    with pytest.raises(UserFacingError) as long:
        services.introduction_request(
            actor=actor(net["max"]), case_id=reports["lyon_anon"].pk, message="x" * 2001
        )
    assert long.value.field == "message"
    assert Introduction.objects.count() == 1


def test_unverified_offices_cannot_ask(net, reports):
    from tests.cases.pages_fixtures import person

    rui = person("rui.costa", net["unverified"])
    with pytest.raises(PermissionDenied):
        services.introduction_request(actor=actor(rui), case_id=reports["lyon_anon"].pk)


# -- pages -----------------------------------------------------------------------------------


def test_the_journey_through_the_pages(net, reports, as_user):
    zoe, ana = as_user("zoe"), as_user("ana")
    page = zoe.get(f"/peers/?case={reports['leipzig'].pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Who else dealt with this?" in html and "Lyon" not in html
    sent = zoe.post("/introductions/new/", {"case": reports["lyon_anon"].pk, "message": "Hi"})
    assert sent.status_code == 302
    intro = Introduction.objects.get()
    assert "Leipzig" in ana.get("/introductions/").content.decode()
    assert ana.post(f"/introductions/{intro.pk}/decide/", {"answer": "accept"}).status_code == 302
    html = zoe.get("/introductions/").content.decode()
    assert "Lyon" in html and "Ana Martin" in html


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?case=abc",
        "?case=1&topic=tibet",
        "?topic=not-a-topic",
        "?counterpart=-1",
        "?case=99999999999999999999",
    ],
)
def test_finder_bad_input_is_400(net, as_user, query):
    response = as_user("ana").get(f"/peers/{query}")
    assert response.status_code == 400


def test_finder_on_invisible_or_unknown_things_is_404(net, reports, as_user):
    client = as_user("ana")
    assert client.get(f"/peers/?case={reports['leipzig'].pk}").status_code == 404
    assert client.get("/peers/?case=123456").status_code == 404
    assert client.get("/peers/?counterpart=123456").status_code == 404


def test_decide_bad_input_and_strangers(net, reports, as_user):
    intro = services.introduction_request(actor=actor(net["zoe"]), case_id=reports["lyon_anon"].pk)
    assert (
        as_user("ana").post(f"/introductions/{intro.pk}/decide/", {"answer": "maybe"}).status_code
        == 400
    )
    # Munich cannot even see the request: 404, nothing revealed.
    assert (
        as_user("mia").post(f"/introductions/{intro.pk}/decide/", {"answer": "accept"}).status_code
        == 404
    )
    assert as_user("ana").post("/introductions/new/", {"case": "x"}).status_code == 400


def test_pages_need_two_factors(client, net):
    assert client.get("/peers/?topic=tibet").status_code == 302
    assert client.get("/introductions/").status_code == 302
