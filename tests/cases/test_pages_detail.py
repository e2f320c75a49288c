"""The report page: every field, the who-can-see badge, redaction, comments, history,
attachments, safe Markdown and a bounded number of queries."""

from django.urls import reverse

from tests.cases import pages_fixtures
from tests.cases.pages_fixtures import REPORT, actor, shared_report
from twinwise.accounts.models import Organisation
from twinwise.cases import services
from twinwise.cases.models import Case, CaseAttachment, CaseComment

# The shared fixtures of the report-page tests (kept out of conftest.py files).
net = pages_fixtures.net
as_user = pages_fixtures.as_user


def detail(client, case):
    return client.get(reverse("cases:detail", args=[case.pk]))


def test_report_page_shows_every_field_and_who_can_see_it(as_user, net):
    case = shared_report(net)
    response = detail(as_user("ana"), case)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="tlp tlp--amber">TLP:AMBER</span>' in html
    assert "Your office and Munich" in html
    assert "Reported by <strong>City of Lyon – International Office</strong> (Ana Martin)" in html
    for value in (
        "February 2021",
        "Consulate General of the PRC in Munich",
        "Letter",
        "Demand",
        "Tibet",
        "Culture",
        "Declined",
        REPORT["summary"],
        REPORT["demand"],
        REPORT["response"],
        REPORT["outcome"],
        REPORT["lessons"],
    ):
        assert value in html, value
    assert "Shared with these organisations:" in html
    assert reverse("cases:withdraw", args=[case.pk]) in html
    assert "data-print" in html  # printable: a Print button and a print stylesheet
    # The recipient sees who can see it without the other recipients being listed.
    other = detail(as_user("max"), case).content.decode()
    assert "The reporting office and the organisations it chose, yours among them" in other
    assert "Shared with these organisations:" not in other
    assert reverse("cases:withdraw", args=[case.pk]) not in other


def test_invisible_reports_are_404(as_user, net, client):
    case = shared_report(net)
    assert detail(as_user("zoe"), case).status_code == 404
    assert detail(client, case).status_code == 404
    assert client.get(reverse("cases:detail", args=[999_999])).status_code == 404


def test_script_in_text_fields_is_shown_escaped_and_markdown_is_sanitised(as_user, net):
    case = shared_report(
        net,
        data={
            "title": "Alert <script>alert('t')</script>",
            "summary": "**Bold** <script>alert('x')</script> <img src=x onerror=alert(1)>\n\n"
            "[click](javascript:alert(2)) [site](https://example.org)",
        },
    )
    services.comment_create(actor=actor(net["max"]), case=case, body="<b onclick=alert(3)>hi</b>")
    html = detail(as_user("ana"), case).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<img" not in html and "onerror" not in html.replace("&lt;img src=x onerror", "")
    assert "javascript:" not in html.replace("[click](javascript:alert(2))", "")
    assert "<strong>Bold</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<b onclick" not in html and "&lt;b onclick=alert(3)&gt;" in html


def test_anonymous_report_is_generalised_outside_the_office(as_user, net):
    case = shared_report(net, data={"anonymous": True})
    CaseAttachment.objects.create(
        case=case,
        uploaded_by=net["ana"],
        file="attachments/2024/01/y.pdf",
        original_name="lyon-mayor-reply.pdf",
        content_type="application/pdf",
        size=1000,
        sha256="1" * 64,
    )
    services.comment_create(actor=actor(net["max"]), case=case, body="Same letter here.")
    services.comment_create(actor=actor(net["ana"]), case=case, body="Thanks, we answered in May.")
    html = detail(as_user("max"), case).content.decode()
    assert "a city of 500k–1M inhabitants in Western Europe" in html
    for secret in ("Lyon", "lyon", "Ana", "Martin"):
        assert secret not in html, secret
    assert "The reporting office" in html  # the author's own comment
    assert "The reporter" in html  # history entries
    assert "Max Huber" in html  # other people keep their names
    own = detail(as_user("boss"), case).content.decode()
    assert "City of Lyon" in own and "Ana Martin" in own


def test_comment_added_and_empty_comment_refused(as_user, net):
    case = shared_report(net)
    max_ = as_user("max")
    response = max_.post(
        reverse("cases:comment", args=[case.pk]), {"body": "We had the same letter."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) + "#comments"
    html = max_.get(response["Location"]).content.decode()
    assert "We had the same letter." in html and "Your comment is added." in html
    response = max_.post(reverse("cases:comment", args=[case.pk]), {"body": "   "})
    assert response.status_code == 400
    assert 'id="id_body_error"' in response.content.decode()
    assert CaseComment.objects.count() == 1


def test_no_comments_on_reports_you_cannot_see(as_user, net):
    case = shared_report(net)
    response = as_user("zoe").post(reverse("cases:comment", args=[case.pk]), {"body": "Hello"})
    assert response.status_code == 404
    assert not CaseComment.objects.exists()


def test_history_says_who_did_what(as_user, net):
    ana = actor(net["ana"])
    case = services.case_create(actor=ana, data={**REPORT, "tlp": "amber-strict"})
    services.case_update(actor=ana, case=case, data={"title": "A better title"})
    services.case_update(actor=ana, case=case, data={"summary": "More detail."})
    services.case_submit(actor=ana, case=case)
    html = detail(as_user("boss"), case).content.decode()
    assert "Ana Martin</strong>: Started the draft" in html
    # Edits of a draft within minutes are folded into its entry by the services.
    assert list(case.revisions.values_list("action", flat=True)) == ["create", "submit"]
    assert "Ana Martin</strong>: Submitted" in html


def test_attachments_are_listed(as_user, net):
    case = shared_report(net)
    CaseAttachment.objects.create(
        case=case,
        uploaded_by=net["ana"],
        file="attachments/2024/01/x.pdf",
        original_name="letter-from-consulate.pdf",
        content_type="application/pdf",
        size=120_000,
        sha256="0" * 64,
    )
    html = detail(as_user("max"), case).content.decode()
    assert "letter-from-consulate.pdf" in html and "PDF" in html


def test_public_record_case_shows_sources_and_confidence_to_anyone(client, net):
    record = Organisation.objects.create(
        slug="public-record", name="Public record", is_public_record=True
    )
    case = Case.objects.create(
        organisation=record,
        title="Carmel ends its sister-city tie",
        occurred_on="2024",
        case_type="partnership-change",
        summary="The council voted to end the tie.",
        tlp="clear",
        state="published",
        sources=[{"url": "https://example.org/news/1", "title": "Local paper (2024)"}],
        confidence="medium",
    )
    response = detail(client, case)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reported by <strong>Public record</strong>" in html
    assert "Local paper (2024)" in html and 'href="https://example.org/news/1"' in html
    assert "Medium" in html
    assert "Everyone, including the public" in html
    assert 'action="/cases/' not in html  # no comment form for visitors


def test_detail_page_makes_a_bounded_number_of_queries(as_user, net, django_assert_max_num_queries):
    case = shared_report(net, data={"anonymous": True})
    max_ = as_user("max")
    for i in range(3):
        services.comment_create(actor=actor(net["max"]), case=case, body=f"Comment {i}")
    # 17: one of them is the header's count of unread notifications (peers).
    with django_assert_max_num_queries(17) as few:
        assert detail(max_, case).status_code == 200
    for i in range(20):
        services.comment_create(actor=actor(net["mia"]), case=case, body=f"More {i}")
        services.comment_create(actor=actor(net["ana"]), case=case, body=f"Reply {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert detail(max_, case).status_code == 200
