"""Moderation, withdrawal and the audit log, through the pages."""

import csv
import io

from django.urls import reverse

from tests.cases import pages_fixtures
from tests.cases.pages_fixtures import REPORT, actor, shared_report
from twinwise.access.models import AuditEvent
from twinwise.cases import services
from twinwise.cases.models import Case

# The shared fixtures of the report-page tests (kept out of conftest.py files).
net = pages_fixtures.net
as_user = pages_fixtures.as_user


def green(net, **data):
    return shared_report(net, data={"tlp": "green", **data})


# -- moderation ---------------------------------------------------------------------------


def test_moderation_queue_lists_pending_green_and_clear_only(as_user, net):
    waiting = green(net, title="Waiting for a moderator")
    shared_report(net, data={"title": "An amber one"})
    response = as_user("mod").get(reverse("cases:moderation"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Waiting for a moderator" in html and "An amber one" not in html
    assert reverse("cases:moderate", args=[waiting.pk]) in html
    assert "1 report is waiting" in html


def test_moderation_queue_is_for_moderators(as_user, net):
    assert as_user("boss").get(reverse("cases:moderation")).status_code == 403


def test_moderator_publishes(as_user, net):
    case = green(net)
    assert as_user("zoe").get(reverse("cases:detail", args=[case.pk])).status_code == 404
    response = as_user("mod").post(
        reverse("cases:moderate", args=[case.pk]), {"decision": "publish"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("cases:moderation")
    case.refresh_from_db()
    assert case.state == "published"
    assert as_user("zoe").get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_moderator_returns_with_a_comment_the_author_sees(as_user, net):
    case = green(net)
    mod = as_user("mod")
    response = mod.post(
        reverse("cases:moderate", args=[case.pk]), {"decision": "return", "note": ""}
    )
    assert response.status_code == 400
    assert "Say what the author should change" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "pending"
    note = "Please remove the name of the consul."
    response = mod.post(
        reverse("cases:moderate", args=[case.pk]),
        {"decision": "return", "note": note, "next": "detail"},
    )
    case.refresh_from_db()
    assert case.state == "returned"
    ana = as_user("ana")
    assert note in ana.get(reverse("cases:detail", args=[case.pk])).content.decode()
    edit = ana.get(reverse("cases:edit", args=[case.pk]))
    assert edit.status_code == 200 and note in edit.content.decode()


def test_moderation_panel_on_the_report_page(as_user, net):
    case = green(net)
    html = as_user("mod").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Moderate this report" in html
    assert (
        "Moderate this report"
        not in as_user("ana").get(reverse("cases:detail", args=[case.pk])).content.decode()
    )


def test_only_moderators_moderate(as_user, net):
    case = green(net)
    response = as_user("boss").post(
        reverse("cases:moderate", args=[case.pk]), {"decision": "publish"}
    )
    assert response.status_code == 403  # the admin sees the report but may not moderate it
    case.refresh_from_db()
    assert case.state == "pending"
    amber = shared_report(net)
    response = as_user("mod").post(
        reverse("cases:moderate", args=[amber.pk]), {"decision": "publish"}
    )
    assert response.status_code == 404  # moderators never see amber content


# -- withdrawal -------------------------------------------------------------------------------


def test_withdraw_asks_first_then_hides_the_report(as_user, net):
    case = shared_report(net)
    ana = as_user("ana")
    confirm = ana.get(reverse("cases:withdraw", args=[case.pk]))
    assert confirm.status_code == 200
    assert "You cannot undo this yourself" in confirm.content.decode()
    case.refresh_from_db()
    assert case.state == "published"  # a GET changes nothing
    response = ana.post(reverse("cases:withdraw", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "withdrawn"
    assert as_user("max").get(reverse("cases:detail", args=[case.pk])).status_code == 404
    page = ana.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Withdrawn" in page
    assert AuditEvent.objects.filter(case=case, action="withdraw").exists()


def test_withdraw_is_forbidden_to_recipients_and_invisible_to_others(as_user, net):
    case = shared_report(net)
    assert as_user("max").post(reverse("cases:withdraw", args=[case.pk])).status_code == 403
    assert as_user("zoe").post(reverse("cases:withdraw", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert case.state == "published"


# -- audit log -------------------------------------------------------------------------------


def test_audit_page_for_admins(as_user, net):
    case = shared_report(net)
    as_user("max").get(reverse("cases:detail", args=[case.pk]))  # an audited read by Munich
    response = as_user("boss").get(reverse("cases:audit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Opened the report" in html and "Max Huber" in html and "City of Munich" in html
    assert reverse("cases:audit_export") in html


def test_audit_page_is_paginated(as_user, net):
    case = shared_report(net)
    for _ in range(60):
        services.audit(actor(net["max"]), case, "read")
    boss = as_user("boss")
    first = boss.get(reverse("cases:audit")).content.decode()
    assert "Page 1 of 2" in first and "?page=2" in first
    assert boss.get(reverse("cases:audit"), {"page": "2"}).status_code == 200


def test_audit_page_only_for_admins(as_user, net):
    shared_report(net)
    assert as_user("ana").get(reverse("cases:audit")).status_code == 403
    assert as_user("ana").get(reverse("cases:audit_export")).status_code == 403
    # Munich's admin sees only Munich's log: nothing about Lyon's report.
    html = as_user("mia").get(reverse("cases:audit")).content.decode()
    assert REPORT["title"] not in html and "Nothing is recorded yet" in html


def test_audit_export_csv(as_user, net):
    case = shared_report(net, data={"title": '=HYPERLINK("http://x")'})
    as_user("max").get(reverse("cases:detail", args=[case.pk]))
    response = as_user("boss").get(reverse("cases:audit_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time_utc", "user", "organisation", "action", "case_id", "case", "detail"]
    actions = {row[3] for row in rows[1:]}
    assert {"create", "submit", "read"} <= actions
    assert all(not row[5].startswith("=") for row in rows[1:])  # no spreadsheet formulas
    assert Case.objects.count() == 1
