"""Watches, notifications, pattern notices and the email digest — each checked against the
access policy when it is written and again when it is read or sent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.peers.conftest import actor, file_report, publish_green
from twinwise.cases import services as case_services
from twinwise.core.errors import UserFacingError
from twinwise.peers import services
from twinwise.peers.models import DigestSetting, Notification, Watch

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (the enqueue of the fan-out task) of what the block does."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def watch(net, who, kind, target):
    return services.watch_create(actor=actor(net[who]), kind=kind, target=target)


def test_publishing_notifies_watchers_who_may_see_it_and_links_the_counterpart(
    net, consulate, fire
):
    watch(net, "mia", "counterpart", consulate.pk)  # Munich: a recipient of the amber report
    watch(net, "zoe", "counterpart", consulate.pk)  # Leipzig: not a recipient
    watch(net, "zoe", "topic", "tibet")
    case = fire(file_report, net, "ana", title="Consulate letter", topics=["tibet"])
    case.refresh_from_db()
    assert case.counterpart == consulate  # found by its German name
    assert list(Notification.objects.values_list("user__username", "kind")) == [
        ("mia.weber", "case")
    ]
    fire(case_services.case_withdraw, actor=actor(net["ana"]), case=case)
    assert Notification.objects.count() == 1  # withdrawing is not news for watchers


def test_a_notification_disappears_when_its_report_becomes_invisible(net, consulate, fire):
    watch(net, "mia", "topic", "tibet")
    case = fire(file_report, net, "ana", title="Consulate letter", topics=["tibet"])
    listed = lambda: services.selectors.notification_present_many(  # noqa: E731
        actor=actor(net["mia"]), notifications=Notification.objects.filter(user=net["mia"])
    )
    assert [n["case"]["title"] for n in listed()] == ["Consulate letter"]
    case_services.case_withdraw(actor=actor(net["ana"]), case=case)
    assert listed() == []


def test_pattern_notice_counts_only_what_the_watcher_may_see(net, consulate, fire):
    watch(net, "mia", "counterpart", consulate.pk)
    watch(net, "zoe", "counterpart", consulate.pk)
    fire(publish_green, net, "ana", title="Lyon: demand", counterpart_name=consulate.name)
    fire(publish_green, net, "zoe", title="Leipzig: demand", counterpart_name=consulate.name)
    assert not Notification.objects.filter(kind="pattern").exists()
    fire(publish_green, net, "max", title="Munich: demand", counterpart_name=consulate.name)
    notes = Notification.objects.filter(kind="pattern")
    assert sorted(n.user.username for n in notes) == ["mia.weber", "zoe.schulz"]
    assert notes[0].counts == {"case_type": "demand", "organisations": 3, "cases": 3, "days": 90}
    presented = services.selectors.notification_present_many(
        actor=actor(net["zoe"]), notifications=notes.filter(user=net["zoe"])
    )
    assert presented[0]["text"].startswith("3 offices reported 3 cases of the kind “Demand”")
    # Once per counterpart and kind in 90 days.
    fire(publish_green, net, "boss", title="Lyon again", counterpart_name=consulate.name)
    assert notes.count() == 2


def test_pattern_needs_three_offices_the_watcher_can_see(net, consulate, fire):
    watch(net, "zoe", "counterpart", consulate.pk)
    fire(file_report, net, "ana", title="Lyon amber", counterpart_name=consulate.name)
    fire(publish_green, net, "zoe", title="Leipzig", counterpart_name=consulate.name)
    fire(publish_green, net, "max", title="Munich", counterpart_name=consulate.name)
    # Three offices reported, but Leipzig sees only two of them (Lyon's is amber to Munich).
    assert not Notification.objects.filter(kind="pattern").exists()


def test_old_reports_do_not_make_a_pattern(net, consulate, fire):
    watch(net, "mia", "counterpart", consulate.pk)
    for who in ("ana", "zoe", "max"):
        fire(publish_green, net, who, title=f"{who}", counterpart_name=consulate.name)
    Notification.objects.all().delete()
    from twinwise.cases.models import Case

    Case.objects.update(published_at=timezone.now() - timedelta(days=91))
    assert services.pattern_signal(counterpart_id=consulate.pk, case_type="demand") == 0


def test_digest_is_built_at_send_time_and_sent_once(net, consulate, fire):
    watch(net, "mia", "topic", "tibet")
    services.digest_frequency_set(actor=actor(net["mia"]), frequency="daily")
    kept = fire(file_report, net, "ana", title="Tibet film letter", topics=["tibet"])
    gone = fire(file_report, net, "boss", title="Withdrawn later", topics=["tibet"])
    case_services.case_withdraw(actor=actor(net["boss"]), case=gone)
    mail.outbox.clear()
    assert services.digests_send(frequency="weekly") == 0  # mia chose daily
    assert services.digests_send(frequency="daily") == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["mia.weber@example.org"]
    assert kept.title in body and "Withdrawn later" not in body
    assert services.digests_send(frequency="daily") == 0  # nothing new, and not twice a day
    assert DigestSetting.objects.get(user=net["mia"]).last_sent_at is not None


def test_digest_redacts_anonymous_reporters(net, consulate, fire):
    watch(net, "zoe", "topic", "tibet")  # weekly by default
    fire(
        publish_green, net, "ana", title="Anonymous Tibet report", anonymous=True, topics=["tibet"]
    )
    mail.outbox.clear()
    assert call_command("digest", "weekly") is None
    body = mail.outbox[0].body
    assert "Anonymous Tibet report" in body and "Lyon" not in body and "a city of" in body


def test_digest_command_bad_frequency_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("digest", "hourly")
    assert exit_.value.code == 2
    assert "twinwise: error:" in capsys.readouterr().err


def test_digest_command_enqueues_for_the_worker(db, capsys):
    call_command("digest", "daily", "--enqueue")
    assert "Queued the daily digests" in capsys.readouterr().out


# -- watches: services, pages and API -------------------------------------------------------


def test_watch_bad_input(net, consulate):
    cases = [
        ("colour", "1", UserFacingError),
        ("topic", "not-a-topic", UserFacingError),
        ("counterpart", "abc", UserFacingError),
        ("counterpart", "-3", UserFacingError),
    ]
    for kind, target, error in cases:
        with pytest.raises(error):
            watch(net, "ana", kind, target)
    from django.http import Http404

    secret = file_report(net, "zoe", title="Leipzig only", tlp="amber-strict")
    for kind, target in (("counterpart", 999999), ("case", secret.pk), ("partnership", 999999)):
        with pytest.raises(Http404):
            watch(net, "ana", kind, target)
    assert Watch.objects.count() == 0


def test_watching_twice_is_one_watch(net, consulate):
    assert watch(net, "ana", "topic", "tibet") == watch(net, "ana", "topic", "tibet")


def test_watch_pages(net, consulate, as_user):
    client = as_user("ana")
    response = client.post("/watches/", {"kind": "counterpart", "target": consulate.pk})
    assert response.status_code == 302
    page = client.get("/watches/").content.decode()
    assert consulate.name in page
    w = Watch.objects.get()
    # htmx: the button swaps in place
    fragment = client.post(
        f"/watches/{w.pk}/delete/",
        {"kind": "counterpart", "target": consulate.pk},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and b"Watch" in fragment.content
    assert not Watch.objects.exists()
    assert client.post("/watches/", {"kind": "x", "target": "1"}).status_code == 400
    assert client.post("/watches/", {"kind": "case", "target": "424242"}).status_code == 404
    assert client.post("/watches/digest/", {"frequency": "hourly"}).status_code == 400
    assert client.post("/watches/digest/", {"frequency": "never"}).status_code == 302


def test_someone_elses_watch_is_404(net, consulate, as_user):
    w = watch(net, "ana", "topic", "tibet")
    assert as_user("max").post(f"/watches/{w.pk}/delete/").status_code == 404
    assert Watch.objects.filter(pk=w.pk).exists()


def test_watch_and_notification_api(net, consulate, fire):
    from django.test import Client

    from twinwise.accounts.services import api_token_create

    token = api_token_create(actor=actor(net["mia"]), user=net["mia"], name="t")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    made = api.post(
        "/api/v1/watches",
        {"kind": "counterpart", "target": consulate.pk},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["label"] == consulate.name
    bad = api.post(
        "/api/v1/watches", {"kind": "colour", "target": 1}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"
    topic = api.post(
        "/api/v1/watches", {"kind": "topic", "target": "nope"}, content_type="application/json"
    )
    assert topic.status_code == 400 and topic.json()["error"]["field"] == "target"
    missing = api.post(
        "/api/v1/watches", {"kind": "case", "target": 77777}, content_type="application/json"
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/watches").json()["count"] == 1
    assert api.get("/api/v1/watches?x=1").status_code == 400
    fire(file_report, net, "ana", title="For Munich", counterpart_name=consulate.name)
    notes = api.get("/api/v1/notifications").json()
    assert notes["count"] == 1 and notes["results"][0]["case"]
    nid = notes["results"][0]["id"]
    assert api.post(f"/api/v1/notifications/{nid}/read").status_code == 204
    assert api.get("/api/v1/notifications").json()["results"][0]["read"] is True
    other = Watch.objects.create(user=net["ana"], kind="topic", topic="tibet")
    assert api.delete(f"/api/v1/watches/{other.pk}").status_code == 404
    assert api.delete("/api/v1/watches/0").status_code == 400
    anonymous = Client().get("/api/v1/watches")
    assert anonymous.status_code == 401 and "error" in anonymous.json()


def test_notifications_page_and_header_count(net, consulate, fire, as_user):
    watch(net, "mia", "topic", "tibet")
    fire(file_report, net, "ana", title="Tibet film letter", topics=["tibet"])
    client = as_user("mia")
    page = client.get("/notifications/").content.decode()
    assert "Tibet film letter" in page and "(1<span" in page
    client.post("/notifications/read/")
    assert "(1<span" not in client.get("/notifications/").content.decode()
    assert client.post("/notifications/read/", {"id": "x"}).status_code == 400


def test_watchers_of_a_report_hear_of_new_comments_if_they_may_see_it(net, consulate, fire):
    case = fire(file_report, net, "ana", title="Commented report")
    watch(net, "mia", "case", case.pk)
    watch(net, "boss", "case", case.pk)
    fire(case_services.comment_create, actor=actor(net["boss"]), case=case, body="Same here")
    fire(case_services.comment_create, actor=actor(net["max"]), case=case, body="And here")
    notes = Notification.objects.filter(kind="comment")
    assert sorted(n.user.username for n in notes) == ["claire.dubois", "mia.weber", "mia.weber"]
    texts = services.selectors.notification_present_many(
        actor=actor(net["mia"]), notifications=notes.filter(user=net["mia"])
    )
    assert texts[0]["text"] == "New comment on: Commented report"


def test_watch_a_partnership_from_its_page(net, as_user, client):
    from tests import factories

    tie = factories.partnership(net["lyon"].place, factories.place("Guangzhou", "CN"))
    assert b"Watch" not in client.get(f"/partnerships/{tie.pk}/").content  # visitors
    member = as_user("ana")
    assert b">Watch<" in member.get(f"/partnerships/{tie.pk}/").content
    member.post("/watches/", {"kind": "partnership", "target": tie.pk})
    assert b"Stop watching" in member.get(f"/partnerships/{tie.pk}/").content


def test_a_queued_run_is_split_into_batches_that_skip_people_already_served(
    net, consulate, fire, monkeypatch
):
    from twinwise.peers import tasks

    monkeypatch.setattr(services, "DIGEST_BATCH", 1)
    for who in ("mia", "max", "zoe"):
        watch(net, who, "topic", "tibet")
    fire(publish_green, net, "ana", title="Tibet report for all", topics=["tibet"])
    assert len(services.digest_batches(frequency="weekly")) == 3
    served = services.digest_batches(frequency="weekly")[0]
    mail.outbox.clear()
    assert services.digest_batch_send(frequency="weekly", user_ids=served) == 1
    assert services.digest_batch_send(frequency="weekly", user_ids=served) == 0
    tasks.send_digests.enqueue("weekly")  # the immediate backend runs the batches too
    assert sorted(m.to[0] for m in mail.outbox) == [
        "max.huber@example.org",
        "mia.weber@example.org",
        "zoe.schulz@example.org",
    ]
