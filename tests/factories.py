"""Small factory functions for tests: a handful of real-looking countries, places and ties."""

import itertools

from twinwise.core.versioning import bump
from twinwise.directory.models import Country, Place
from twinwise.directory.selectors import search_text_for
from twinwise.partnerships.models import Partnership, PartnershipSource

_ids = itertools.count(1)

COUNTRIES = {
    # iso2: (name, region, china_side, iso_numeric)
    "CN": ("China", "asia", "mainland", 156),
    "TW": ("Taiwan", "asia", "taiwan", 158),
    "HK": ("Hong Kong", "asia", "sar", 344),
    "CZ": ("Czechia", "europe", "", 203),
    "DE": ("Germany", "europe", "", 276),
    "SE": ("Sweden", "europe", "", 752),
    "FR": ("France", "europe", "", 250),
    "US": ("United States", "north-america", "", 840),
    "CA": ("Canada", "north-america", "", 124),
    "BR": ("Brazil", "latin-america", "", 76),
    "JP": ("Japan", "asia", "", 392),
}


def country(iso2: str) -> Country:
    name, region, side, numeric = COUNTRIES[iso2]
    obj, _ = Country.objects.get_or_create(
        iso2=iso2,
        defaults={"name": name, "region": region, "china_side": side, "iso_numeric": numeric},
    )
    return obj


def place(
    name: str,
    iso2: str,
    *,
    population: int = 100_000,
    province: str = "",
    names_zh: str = "",
    alt_names: str = "",
    lat: float = 0.0,
    lon: float = 0.0,
    wikidata: str = "",
    geonameid=None,
) -> Place:
    """A gazetteer place (it gets a made-up GeoNames id unless one is given)."""
    return Place.objects.create(
        name=name,
        country=country(iso2),
        population=population,
        province=province,
        names_zh=names_zh,
        alt_names=alt_names,
        latitude=lat,
        longitude=lon,
        wikidata=wikidata,
        geonameid=geonameid or 900_000 + next(_ids),
        search_text=search_text_for(name, alt_names, names_zh),
    )


def partnership(
    local: Place,
    counterpart: Place,
    *,
    kind: str = "sister-city",
    status: str = "",
    signed_on: str = "",
    ended_on: str = "",
    domains=(),
    tlp: str = "clear",
    external_id: str | None = None,
    end_reason: str = "",
    source_url: str = "",
) -> Partnership:
    p = Partnership.objects.create(
        external_id=external_id or f"test-{next(_ids)}",
        local=local,
        counterpart=counterpart,
        kind=kind,
        status=status,
        signed_on=signed_on,
        signed_year=int(signed_on[:4]) if signed_on else None,
        ended_on=ended_on,
        ended_year=int(ended_on[:4]) if ended_on else None,
        domains=list(domains),
        tlp=tlp,
        end_reason=end_reason,
    )
    if source_url:
        PartnershipSource.objects.create(
            partnership=p, role="status", url=source_url, title="Source"
        )
    bump("partnerships")
    return p


def small_world() -> dict:
    """Prague, Berlin, Gothenburg, Boston, Vancouver, Recife and Osaka tied to Beijing, Shanghai, Taipei."""
    beijing = place(
        "Beijing",
        "CN",
        population=18_960_744,
        province="Beijing",
        names_zh="北京|北京市",
        alt_names="Peking|Pekin",
        lat=39.9,
        lon=116.4,
        wikidata="Q956",
        geonameid=1816670,
    )
    shanghai = place(
        "Shanghai",
        "CN",
        population=24_874_500,
        province="Shanghai",
        names_zh="上海|上海市",
        lat=31.2,
        lon=121.5,
        wikidata="Q8686",
        geonameid=1796236,
    )
    wuhan = place(
        "Wuhan", "CN", population=10_392_693, province="Hubei", names_zh="武汉", lat=30.6, lon=114.3
    )
    taipei = place("Taipei", "TW", population=7_871_900, names_zh="台北", lat=25.0, lon=121.5)
    prague = place(
        "Prague",
        "CZ",
        population=1_165_581,
        alt_names="Praha|Prag",
        lat=50.1,
        lon=14.4,
        wikidata="Q1085",
    )
    berlin = place("Berlin", "DE", population=3_426_354, lat=52.5, lon=13.4)
    gothenburg = place(
        "Gothenburg", "SE", population=572_799, alt_names="Göteborg", lat=57.7, lon=12.0
    )
    boston = place("Boston", "US", population=667_137, lat=42.4, lon=-71.1)
    vancouver = place("Vancouver", "CA", population=600_000, lat=49.2, lon=-123.1)
    recife = place("Recife", "BR", population=1_478_098, lat=-8.1, lon=-34.9)
    osaka = place("Osaka", "JP", population=2_592_413, lat=34.7, lon=135.5)
    lyon = place("Lyon", "FR", population=472_317, lat=45.8, lon=4.8)
    ties = {
        "prague_beijing": partnership(
            prague,
            beijing,
            status="ended",
            signed_on="2016",
            ended_on="2019-10-09",
            end_reason="One-China clause",
            source_url="https://example.org/prague",
        ),
        "prague_shanghai": partnership(
            prague, shanghai, status="ended", signed_on="2017-05", ended_on="2020-01-14"
        ),
        "prague_taipei": partnership(prague, taipei, status="active", signed_on="2020-01-13"),
        "berlin_beijing": partnership(
            berlin, beijing, signed_on="1994", domains=["culture", "investment-trade"]
        ),
        "gothenburg_shanghai": partnership(
            gothenburg, shanghai, status="ended", signed_on="2003", ended_on="2019-12"
        ),
        "boston_beijing": partnership(boston, beijing, kind="friendship-city"),
        "vancouver_beijing": partnership(vancouver, beijing, signed_on="1985"),
        "recife_wuhan": partnership(recife, wuhan),
        "osaka_shanghai": partnership(osaka, shanghai, signed_on="1974"),
        "lyon_beijing": partnership(
            lyon, beijing, kind="memorandum-of-understanding", status="active"
        ),
        "berlin_prague": partnership(berlin, prague),  # no Chinese side
    }
    places = {
        "beijing": beijing,
        "shanghai": shanghai,
        "wuhan": wuhan,
        "taipei": taipei,
        "prague": prague,
        "berlin": berlin,
        "gothenburg": gothenburg,
        "boston": boston,
        "vancouver": vancouver,
        "recife": recife,
        "osaka": osaka,
        "lyon": lyon,
    }
    return {"places": places, "ties": ties}
