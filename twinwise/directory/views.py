"""The public place page: what a place is and every partnership it has, in both directions."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from twinwise.access.actors import actor_for
from twinwise.partnerships.selectors import partnerships_of_place
from twinwise.partnerships.views import Row, rows_for

from .models import Counterpart, Place
from .selectors import (
    counterpart_get,
    counterpart_partnerships,
    counterpart_related,
    counterparts_of_place,
    place_get,
)

# The map on a Chinese place's page shows its partners in these regions (the registry's
# first readers are offices in Europe and North America); the table lists every partner.
MAP_REGIONS = ("europe", "north-america")
ALT_NAMES_SHOWN = 12


def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A place, its facts and its partnerships; partners on a map for a Chinese-side place."""
    try:
        place = place_get(pk=pk)
    except Place.DoesNotExist:
        raise Http404(_("No such place.")) from None
    rows = rows_for(partnerships_of_place(actor=actor_for(request), place=place), place=place)
    context = {"place": place, "facts": place_facts(place), **ties_context(place, rows)}
    context["counterparts"] = counterparts_of_place(place)
    return render(request, "directory/place_detail.html", context)


def counterpart_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A Chinese counterpart: its names, partnerships, the reports the reader may see about it
    (and counts over exactly those), how cities answered and related bodies."""
    from twinwise.peers.selectors import counterpart_cases

    try:
        counterpart = counterpart_get(pk=pk)
    except Counterpart.DoesNotExist:
        raise Http404(_("No such counterpart.")) from None
    actor = actor_for(request)
    partnerships = counterpart_partnerships(actor=actor, counterpart=counterpart)
    place = (
        counterpart.place if counterpart.place and counterpart.place.country.china_side else None
    )
    context = {
        "counterpart": counterpart,
        "place": place,
        "alt_names": [n for n in counterpart.alt_name_list if not _is_chinese(n)],
        "names_zh": [n for n in counterpart.alt_name_list if _is_chinese(n)],
        "ties": rows_for(partnerships[:200], place=place)
        if place
        else rows_for(partnerships[:200]),
        "ties_total": partnerships.count(),
        "related": counterpart_related(counterpart),
        "reports": counterpart_cases(actor=actor, counterpart=counterpart),
        "is_member": actor.organisation_id is not None,
    }
    return render(request, "directory/counterpart_detail.html", context)


def _is_chinese(name: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


@dataclass
class PlaceFacts:
    coordinates: str
    alt_names: list[str]
    alt_names_more: list[str]
    names_zh: list[str]
    wikidata_url: str
    geonames_url: str


def place_facts(place: Place) -> PlaceFacts:
    alt = [n for n in place.alt_names.split("|") if n and n != place.name]
    return PlaceFacts(
        coordinates=coordinates(place.latitude, place.longitude),
        alt_names=alt[:ALT_NAMES_SHOWN],
        alt_names_more=alt[ALT_NAMES_SHOWN:],
        names_zh=[n for n in place.names_zh.split("|") if n],
        wikidata_url=f"https://www.wikidata.org/wiki/{place.wikidata}" if place.wikidata else "",
        geonames_url=f"https://www.geonames.org/{place.geonameid}" if place.geonameid else "",
    )


def coordinates(lat: float | None, lon: float | None) -> str:
    """31.22222, 121.45806 → '31.22° N, 121.46° E' (hemispheres as letters, not signs)."""
    if lat is None or lon is None:
        return ""
    ns = _("N") if lat >= 0 else _("S")
    ew = _("E") if lon >= 0 else _("W")
    return f"{abs(lat):.2f}° {ns}, {abs(lon):.2f}° {ew}"


def ties_context(place: Place, rows: list[Row]) -> dict:
    """Ties split by whether the other side is Chinese, plus the map data and registry link."""
    chinese_place = bool(place.country.china_side)
    with_china = [r for r in rows if r.other_is_chinese]
    others = [r for r in rows if not r.other_is_chinese]
    return {
        "chinese_place": chinese_place,
        "ties_total": len(rows),
        "ties_china": with_china,
        "ties_other": others,
        "map_data": map_data(place, others) if chinese_place else None,
        "registry_url": registry_link(place, chinese_place),
    }


def map_data(place: Place, rows: list[Row]) -> dict | None:
    """The partners in MAP_REGIONS with coordinates, for the counterpart map (json_script)."""
    partners = [
        {
            "name": r.other.name,
            "country": r.other.country.name,
            "lat": r.other.latitude,
            "lon": r.other.longitude,
            "url": reverse("partnerships:detail", args=[r.partnership.pk]),
        }
        for r in rows
        if r.other is not None
        and r.other.country.region in MAP_REGIONS
        and r.other.latitude is not None
        and r.other.longitude is not None
    ]
    if not partners or place.latitude is None or place.longitude is None:
        return None
    centre = {"name": place.name, "lat": place.latitude, "lon": place.longitude}
    return {"centre": centre, "partners": partners}


def registry_link(place: Place, chinese_place: bool) -> str:
    # A Chinese place is a facet value of the registry; any other place is found by name.
    params = {"counterpart": place.pk} if chinese_place else {"q": place.name, "scope": "all"}
    return f"{reverse('partnerships:registry')}?{urlencode(params)}"
