"""Counterpart profiles: one record per body whatever spelling a report uses, and a page that
shows each reader the reports (and counts) they may see."""

import pytest

from tests import factories
from tests.peers.conftest import actor, file_report, publish_green
from twinwise.directory.models import Counterpart
from twinwise.directory.services import (
    counterpart_add_names,
    counterpart_find,
    counterpart_resolve,
    counterparts_load,
)
from twinwise.peers.selectors import counterpart_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "spelling",
    [
        "Consulate General of the PRC in Munich",
        "generalkonsulat der volksrepublik china in munchen",  # case and umlaut folded
        "Generalkonsulat der Volksrepublik China in München",
        "中华人民共和国驻慕尼黑总领事馆",
    ],
)
def test_any_spelling_finds_the_one_record(consulate, spelling):
    assert counterpart_find(spelling) == consulate
    assert counterpart_resolve(kind="consulate", name=spelling) == consulate
    assert Counterpart.objects.count() == 1


def test_an_unknown_name_makes_a_new_record_and_a_known_kind_narrows(consulate):
    new = counterpart_resolve(kind="consulate", name="Consulate General of the PRC in Lyon")
    assert new != consulate and new.country_id == "CN"
    assert counterpart_find("Consulate General of the PRC in Munich", kind="embassy") is None
    assert counterpart_resolve(kind="", name="x") is None


def test_added_names_are_found_and_not_repeated(consulate):
    counterpart_add_names(consulate, ["Chinesisches Generalkonsulat München", consulate.name])
    counterpart_add_names(consulate, ["Chinesisches Generalkonsulat München"])
    assert consulate.alt_names.count("Chinesisches") == 1
    assert counterpart_find("chinesisches generalkonsulat munchen") == consulate


def test_the_bundled_file_completes_existing_records_instead_of_duplicating(consulate):
    for iso2 in ("DE", "FR", "SE", "CA"):
        factories.country(iso2)
    factories.place("Munich", "DE")
    shenzhen = factories.place("Shenzhen", "CN")
    # The public record (or a report) created the FAO under its Chinese name first.
    fao = Counterpart.objects.create(
        kind="foreign-affairs-office", country_id="CN", name="深圳市人民政府外事办公室"
    )
    rows = counterparts_load()
    assert rows >= 10
    assert counterparts_load() == rows  # twice changes nothing
    consulate.refresh_from_db()
    fao.refresh_from_db()
    assert consulate.place.name == "Munich" and consulate.parent.kind == "embassy"
    assert (
        fao.name == "Foreign Affairs Office of Shenzhen"
        and "深圳市人民政府外事办公室" in fao.alt_names
    )
    assert fao.place == shenzhen and fao.parent.kind == "city"
    assert Counterpart.objects.filter(kind="foreign-affairs-office", place=shenzhen).count() == 1


def test_profile_counts_only_what_the_reader_may_see(
    net, consulate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file_report(net, "ana", title="Amber to Munich", response_type="declined")
        publish_green(
            net,
            "zoe",
            title="Green: complied",
            response_type="complied",
            counterpart_name=consulate.name,
        )
        publish_green(
            net,
            "max",
            title="Green: retaliation",
            case_type="retaliation",
            response_type="declined",
            counterpart_name=consulate.name,
        )
    for_munich = counterpart_cases(actor=actor(net["mia"]), counterpart=consulate)
    assert for_munich.total == 3
    assert for_munich.response_sentence == "2 declined, 1 complied; 1 reported consequences"
    for_leipzig = counterpart_cases(actor=actor(net["zoe"]), counterpart=consulate)
    assert for_leipzig.total == 2 and "Amber to Munich" not in {
        c["title"] for c in for_leipzig.cases
    }
    from twinwise.access.actors import Actor

    assert counterpart_cases(actor=Actor.anonymous(), counterpart=consulate).total == 0


def test_profile_page(net, consulate, client, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish_green(
            net,
            "ana",
            title="Anonymous green report",
            anonymous=True,
            counterpart_name=consulate.name,
        )
    url = f"/counterparts/{consulate.pk}/"
    public = client.get(url).content.decode()
    assert consulate.name in public and "中华人民共和国驻慕尼黑总领事馆" in public
    assert "Anonymous green report" not in public and "Who else dealt" not in public
    member = as_user("zoe").get(url).content.decode()
    assert "Anonymous green report" in member and "Lyon" not in member
    assert "Who else dealt with this counterpart?" in member and "Watch" in member
    assert client.get("/counterparts/987654/").status_code == 404


def test_related_counterparts_and_the_place_page(db, client):
    shenzhen = factories.place("Shenzhen", "CN")
    city = Counterpart.objects.create(
        kind="city", country_id="CN", name="Shenzhen government", place=shenzhen
    )
    fao = Counterpart.objects.create(
        kind="foreign-affairs-office",
        country_id="CN",
        name="Shenzhen FAO",
        place=shenzhen,
        parent=city,
    )
    page = client.get(f"/counterparts/{fao.pk}/").content.decode()
    assert "Related counterparts" in page and "Shenzhen government" in page
    assert "Shenzhen FAO" in client.get(f"/places/{shenzhen.pk}/").content.decode()


def test_a_city_government_shows_its_citys_partnerships(db, client):
    shenzhen = factories.place("Shenzhen", "CN")
    tie = factories.partnership(factories.place("Gothenburg", "SE"), shenzhen)
    city = Counterpart.objects.create(
        kind="city", country_id="CN", name="Shenzhen government", place=shenzhen
    )
    consulate = Counterpart.objects.create(
        kind="consulate", country_id="CN", name="A consulate", place=shenzhen
    )
    assert f"/partnerships/{tie.pk}/" in client.get(f"/counterparts/{city.pk}/").content.decode()
    # A consulate seated somewhere has no partnerships of that place.
    assert (
        f"/partnerships/{tie.pk}/"
        not in client.get(f"/counterparts/{consulate.pk}/").content.decode()
    )
