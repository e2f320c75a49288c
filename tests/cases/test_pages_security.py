"""Bad input on the report pages: missing CSRF, forged ids, wrong methods — a clear 4xx and
nothing changed."""

import pytest
from django.urls import reverse

from tests.cases import pages_fixtures
from tests.cases.pages_fixtures import REPORT, actor, shared_report
from twinwise.cases import services
from twinwise.cases.models import Case, CaseComment

# The shared fixtures of the report-page tests (kept out of conftest.py files).
net = pages_fixtures.net
as_user = pages_fixtures.as_user


def test_missing_csrf_token_is_refused(as_user, net):
    case = shared_report(net)
    ana = as_user("ana", enforce_csrf_checks=True)
    max_ = as_user("max", enforce_csrf_checks=True)
    assert (
        ana.post(reverse("cases:new"), {"title": "No token", "action": "save"}).status_code == 403
    )
    assert max_.post(reverse("cases:comment", args=[case.pk]), {"body": "Hi"}).status_code == 403
    assert ana.post(reverse("cases:withdraw", args=[case.pk])).status_code == 403
    assert Case.objects.count() == 1 and not CaseComment.objects.exists()
    case.refresh_from_db()
    assert case.state == "published"


def test_htmx_autosave_without_the_token_header_is_refused(as_user, net):
    ana = as_user("ana", enforce_csrf_checks=True)
    response = ana.post(
        reverse("cases:new") + "?autosave=1", {"title": "x"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_forged_ids_of_other_organisations_cases_are_404_and_change_nothing(as_user, net):
    theirs = services.case_create(actor=actor(net["max"]), data={**REPORT, "tlp": "amber-strict"})
    zoe = as_user("zoe")
    forged = {"title": "Hijacked", "tlp": "amber-strict", "action": "save"}
    assert zoe.get(reverse("cases:edit", args=[theirs.pk])).status_code == 404
    assert zoe.post(reverse("cases:edit", args=[theirs.pk]), forged).status_code == 404
    # The id of someone else's draft smuggled into the new-report form.
    assert zoe.post(reverse("cases:new"), {**forged, "case_id": str(theirs.pk)}).status_code == 404
    response = zoe.post(
        reverse("cases:new") + "?autosave=1",
        {**forged, "case_id": str(theirs.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 404
    assert zoe.post(reverse("cases:withdraw", args=[theirs.pk])).status_code == 404
    assert zoe.post(reverse("cases:comment", args=[theirs.pk]), {"body": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == REPORT["title"] and theirs.state == "draft"
    assert Case.objects.count() == 1 and not CaseComment.objects.exists()


def test_a_colleague_cannot_edit_your_shared_report(as_user, net):
    case = shared_report(net)
    response = as_user("boss").post(
        reverse("cases:edit", args=[case.pk]), {"title": "Changed", "action": "save"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.title == REPORT["title"]


@pytest.mark.parametrize("name", ["detail", "moderation", "audit", "audit_export"])
def test_read_only_pages_refuse_post(as_user, net, name):
    case = shared_report(net)
    args = [case.pk] if name == "detail" else []
    client = as_user("boss")
    assert client.post(reverse(f"cases:{name}", args=args)).status_code == 405


def test_writes_refuse_get(as_user, net):
    case = shared_report(net)
    assert as_user("max").get(reverse("cases:comment", args=[case.pk])).status_code == 405
    assert as_user("mod").get(reverse("cases:moderate", args=[case.pk])).status_code == 405
