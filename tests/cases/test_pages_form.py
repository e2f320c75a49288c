"""The report form: new → autosave → submit, validation that forgives, the sharing pickers."""

from django.urls import reverse

from tests.cases import pages_fixtures
from tests.cases.pages_fixtures import REPORT
from twinwise.access.models import AuditEvent
from twinwise.cases.models import Case, CaseRecipientOrganisation

# The shared fixtures of the report-page tests (kept out of conftest.py files).
net = pages_fixtures.net
as_user = pages_fixtures.as_user

HTMX = {"HTTP_HX_REQUEST": "true"}


def form_data(**overrides) -> dict:
    """What the browser posts for a complete report (amber, no recipients yet)."""
    data = {
        "title": REPORT["title"],
        "occurred_day": "",
        "occurred_month": "2",
        "occurred_year": "2021",
        "counterpart_kind": REPORT["counterpart_kind"],
        "counterpart_name": REPORT["counterpart_name"],
        "channel": REPORT["channel"],
        "case_type": REPORT["case_type"],
        "summary": REPORT["summary"],
        "demand": REPORT["demand"],
        "topics": REPORT["topics"],
        "response": REPORT["response"],
        "response_type": REPORT["response_type"],
        "outcome": REPORT["outcome"],
        "lessons": REPORT["lessons"],
        "tlp": "amber",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_new_report_page_shows_steps_help_and_who_will_see_it(as_user):
    response = as_user("ana").get(reverse("cases:new"))
    assert response.status_code == 200
    html = response.content.decode()
    for step in (
        "What happened",
        "What was asked",
        "How you answered",
        "How it ended",
        "Who can see it",
    ):
        assert step in html
    assert "A short headline another office would recognise" in html  # help under the label
    # The safest level is chosen until the author picks another, and the box says what it means.
    assert 'value="amber-strict" checked' in html
    assert "Everyone in your office (Lyon) will see it, and no one else." in html
    assert "a city of 500k–1M inhabitants in Western Europe" in html  # the anonymous preview
    assert 'hx-post="/cases/new/?autosave=1"' in html


def test_the_form_needs_a_sign_in_with_two_factors(client, net):
    response = client.get(reverse("cases:new"))
    assert response.status_code == 302 and "sign-in" in response["Location"]
    client.force_login(net["ana"])  # a password only
    response = client.get(reverse("cases:new"))
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_create_autosave_submit_amber_reaches_the_recipient_and_no_one_else(as_user, net):
    ana = as_user("ana")
    # The first autosave (htmx) creates the draft …
    response = ana.post(
        reverse("cases:new") + "?autosave=1", {"title": "Consulate letter", "tlp": "amber"}, **HTMX
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.state == "draft" and case.title == "Consulate letter"
    html = response.content.decode()
    assert "Draft saved" in html
    assert f'name="case_id" id="case-id" value="{case.pk}" hx-swap-oob="true"' in html
    assert response["HX-Replace-Url"] == reverse("cases:edit", args=[case.pk])
    # … later autosaves carry its id and update the same draft, through case_update.
    data = form_data(case_id=str(case.pk), members=[str(net["munich"].pk)])
    response = ana.post(reverse("cases:new") + "?autosave=1", data, **HTMX)
    assert response.status_code == 200
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.summary == REPORT["summary"] and case.occurred_on == "2021-02"
    assert "Your office and Munich will see it." in response.content.decode()
    # Submit: amber is shared at once.
    response = ana.post(reverse("cases:edit", args=[case.pk]), {**data, "action": "submit"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.state == "published"
    assert list(case.recipient_organisations.all()) == [net["munich"]]
    page = ana.get(response["Location"])
    assert "Your report is shared" in page.content.decode()

    assert as_user("max").get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert as_user("zoe").get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_autosave_waits_for_a_title(as_user):
    response = as_user("ana").post(
        reverse("cases:new") + "?autosave=1", {"title": "", "summary": "half a thought"}, **HTMX
    )
    assert response.status_code == 200
    assert "saved as soon as it has a title" in response.content.decode()
    assert not Case.objects.exists()


def test_autosave_reports_a_problem_without_saving(as_user):
    ana = as_user("ana")
    ana.post(reverse("cases:new") + "?autosave=1", {"title": "Letter"}, **HTMX)
    case = Case.objects.get()
    response = ana.post(
        reverse("cases:edit", args=[case.pk]) + "?autosave=1",
        {"title": "Letter, changed", "case_type": "bogus"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not saved" in html and 'href="#id_case_type_0"' in html
    case.refresh_from_db()
    assert case.title == "Letter"


def test_save_draft_without_javascript(as_user):
    ana = as_user("ana")
    response = ana.post(reverse("cases:new"), form_data(action="save"))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:edit", args=[case.pk]
    )
    page = ana.get(response["Location"])
    html = page.content.decode()
    assert "Draft saved" in html and REPORT["summary"] in html
    assert 'value="tibet" checked' in html and 'value="2" selected' in html


def test_green_submit_waits_for_a_moderator(as_user):
    ana = as_user("ana")
    ana.post(reverse("cases:new"), form_data(tlp="green", action="save"))
    case = Case.objects.get()
    response = ana.post(
        reverse("cases:edit", args=[case.pk]), form_data(tlp="green", action="submit")
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "pending"
    page = ana.get(response["Location"]).content.decode()
    assert "waiting for a network moderator" in page


def test_bad_taxonomy_id_is_a_400_next_to_the_field_and_nothing_is_stored(as_user):
    response = as_user("ana").post(
        reverse("cases:new"), form_data(case_type="bogus", action="save")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_case_type_error"' in html and "bogus" in html
    assert 'href="#id_case_type_0"' in html  # the summary at the top links to the field
    assert not Case.objects.exists()
    # Nothing the person typed is lost.
    assert REPORT["summary"] in html and REPORT["lessons"] in html


def test_bad_topic_is_named(as_user):
    response = as_user("ana").post(
        reverse("cases:new"), form_data(topics=["tibet", "nope"], action="save")
    )
    assert response.status_code == 400
    assert 'id="id_topics_error"' in response.content.decode()


def test_impossible_date_is_named(as_user):
    response = as_user("ana").post(
        reverse("cases:new"), form_data(occurred_day="30", occurred_month="2", action="save")
    )
    assert response.status_code == 400
    assert "That day does not exist in that month." in response.content.decode()
    assert not Case.objects.exists()


def test_recipients_on_the_wrong_level_are_an_error(as_user, net):
    munich = str(net["munich"].pk)
    response = as_user("ana").post(
        reverse("cases:new"), form_data(tlp="green", members=[munich], action="save")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Only TLP:AMBER reports are shared with named organisations" in html
    assert not Case.objects.exists()
    response = as_user("ana").post(
        reverse("cases:new"), form_data(tlp="amber", users=[str(net["max"].pk)], action="save")
    )
    assert response.status_code == 400
    assert "Only TLP:RED reports are shared with named people" in response.content.decode()
    assert not CaseRecipientOrganisation.objects.exists()


def test_recipients_must_be_verified_members(as_user, net):
    response = as_user("ana").post(
        reverse("cases:new"), form_data(members=[str(net["unverified"].pk)], action="save")
    )
    assert response.status_code == 400
    assert "Recipients must be other verified member organisations" in response.content.decode()


def test_submit_names_everything_missing_and_keeps_the_draft(as_user):
    ana = as_user("ana")
    response = ana.post(
        reverse("cases:new"),
        form_data(case_type="", summary="", occurred_month="", occurred_year="", action="submit"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your draft is saved" in html
    for anchor in ("#id_occurred_year", "#id_case_type_0", "#id_summary"):
        assert f'href="{anchor}"' in html
    case = Case.objects.get()
    assert case.state == "draft"
    assert f'value="{case.pk}"' in html  # the next submit updates this draft


def test_sharing_fragment_shows_the_picker_for_the_level(as_user, net):
    ana = as_user("ana")
    amber = ana.get(reverse("cases:sharing"), {"tlp": "amber"}, **HTMX).content.decode()
    assert 'id="find-members"' in amber and "City of Munich" in amber
    assert "City of Lyon" not in amber.split('id="audience"')[0]  # never your own office
    assert "City of Gothenburg" not in amber  # not verified
    assert 'hx-swap-oob="true"' in amber  # the "who will see it" box comes along
    red = ana.get(reverse("cases:sharing"), {"tlp": "red"}, **HTMX).content.decode()
    assert 'id="find-users"' in red and "Claire Dubois" in red  # colleagues first
    green = ana.get(reverse("cases:sharing"), {"tlp": "green"}, **HTMX).content.decode()
    assert "find-" not in green
    assert "Every verified member organisation of the network will see it." in green


def test_recipient_search(as_user, net):
    ana = as_user("ana")
    url = reverse("cases:recipient_search")
    found = ana.get(url, {"kind": "members", "find_members": "leip"}, **HTMX).content.decode()
    assert "City of Leipzig" in found and "City of Munich" not in found
    chosen = ana.get(
        url, {"kind": "members", "find_members": "", "members": [net["munich"].pk]}, **HTMX
    ).content.decode()
    assert "City of Munich" not in chosen  # already chosen
    people = ana.get(url, {"kind": "users", "find_users": "huber"}, **HTMX).content.decode()
    assert "Max Huber" in people and "Mia Weber" not in people


def test_find_without_javascript_shows_results_and_saves_nothing(as_user):
    response = as_user("ana").post(
        reverse("cases:new"), form_data(find_members="mun", action="find-members")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "City of Munich" in html and REPORT["summary"] in html
    assert not Case.objects.exists()


def test_red_report_with_a_named_person(as_user, net):
    data = form_data(tlp="red", users=[str(net["max"].pk)], action="submit")
    response = as_user("ana").post(reverse("cases:new"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and case.state == "published"
    assert list(case.recipient_users.all()) == [net["max"]]
    assert as_user("max").get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert as_user("mia").get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_editing_someone_elses_draft_is_forbidden_or_invisible(as_user, net):
    ana = as_user("ana")
    ana.post(reverse("cases:new"), form_data(action="save"))
    case = Case.objects.get()
    # A colleague cannot see a draft at all; another city neither.
    for name in ("boss", "max"):
        response = as_user(name).post(
            reverse("cases:edit", args=[case.pk]), form_data(title="Mine now")
        )
        assert response.status_code == 404
    case.refresh_from_db()
    assert case.title == REPORT["title"]


def test_opening_a_draft_to_edit_it_is_not_an_audited_read(as_user):
    ana = as_user("ana")
    ana.post(reverse("cases:new"), form_data(action="save"))
    case = Case.objects.get()
    assert ana.get(reverse("cases:edit", args=[case.pk])).status_code == 200
    assert not AuditEvent.objects.filter(action="read").exists()


def test_partnership_picker_finds_registry_ties(as_user, net):
    from tests import factories

    guangzhou = factories.place("Guangzhou", "CN", names_zh="广州")
    factories.partnership(net["lyon"].place, guangzhou)
    ana = as_user("ana")
    assert 'id="partnership-picker"' in ana.get(reverse("cases:new")).content.decode()
    found = ana.get(reverse("cases:partnership_search"), {"find_partnership": "guangzhou"}, **HTMX)
    assert found.status_code == 200
    assert "Lyon (France) – Guangzhou" in found.content.decode()
    none = ana.get(reverse("cases:partnership_search"), {"find_partnership": "atlantis"}, **HTMX)
    assert "No partnership in the registry matches" in none.content.decode()
    tie = factories.partnership(net["lyon"].place, factories.place("Wuhan", "CN"))
    saved = ana.post(reverse("cases:new"), form_data(action="save", partnership=str(tie.pk)))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert Case.objects.get().partnership == tie
