"""Writes of reference data: countries and places, and place resolution for imports."""

import csv
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from django.db import transaction
from django.db.models import Count

from twinwise.core.errors import UserFacingError

from .models import ChinaSide, Counterpart, Country, Place, PlaceKind, Region
from .resolution import PlaceIndex, PlaceRecord, normalise_name
from .selectors import search_text_for

DATA = resources.files("twinwise") / "data"

CHINA_SIDE = {
    "CN": ChinaSide.MAINLAND,
    "HK": ChinaSide.SAR,
    "MO": ChinaSide.SAR,
    "TW": ChinaSide.TAIWAN,
}
NORTH_AMERICA = {"US", "CA"}  # the spec's north-america; the rest of the continent is latin-america


def region_for(iso2: str, continent: str) -> str:
    """The twinwise region of a country from its GeoNames continent code."""
    if continent == "NA":
        return Region.NORTH_AMERICA if iso2 in NORTH_AMERICA else Region.LATIN_AMERICA
    return {
        "EU": Region.EUROPE,
        "SA": Region.LATIN_AMERICA,
        "AS": Region.ASIA,
        "AF": Region.AFRICA,
        "OC": Region.OCEANIA,
        "AN": Region.OCEANIA,  # Antarctica: no partnerships; nearest region keeps the facet closed
    }[continent]


def _read_csv(name: str) -> Iterator[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


@transaction.atomic
def countries_load() -> int:
    """Create or update every ISO 3166 country from the bundled GeoNames list."""
    existing = set(Country.objects.values_list("iso2", flat=True))
    new, changed = [], []
    for row in _read_csv("countries.csv"):
        country = Country(
            iso2=row["iso2"],
            iso3=row["iso3"],
            iso_numeric=int(row["iso_numeric"]) if row["iso_numeric"] else None,
            name=row["name"],
            region=region_for(row["iso2"], row["continent_code"]),
            china_side=CHINA_SIDE.get(row["iso2"], ChinaSide.NONE),
            population=int(row["population"] or 0),
        )
        (changed if country.iso2 in existing else new).append(country)
    Country.objects.bulk_create(new)
    Country.objects.bulk_update(
        changed, ["iso3", "iso_numeric", "name", "region", "china_side", "population"]
    )
    return len(new) + len(changed)


def _china_provinces() -> dict[str, str]:
    return {row["admin1_code"]: row["name"] for row in _read_csv("china_provinces.csv")}


@transaction.atomic
def places_load_geonames(path: Path | None = None) -> int:
    """Load the bundled GeoNames cities (population ≥ 15,000); idempotent by geonameid."""
    provinces = _china_provinces()
    known = set(Place.objects.exclude(geonameid=None).values_list("geonameid", flat=True))
    batch: list[Place] = []
    count = 0
    rows = csv.DictReader(path.open(encoding="utf-8")) if path else _read_csv("cities15000.csv")
    for row in rows:
        geonameid = int(row["geonameid"])
        if geonameid in known:
            continue
        alt_latin, alt_zh = row["alt_names_latin"], preferred_zh_first(row["alt_names_zh"])
        batch.append(
            Place(
                name=row["name"],
                country_id=row["country_code"],
                kind=PlaceKind.CITY,
                admin1_code=row["admin1_code"],
                province=provinces.get(row["admin1_code"], "")
                if row["country_code"] == "CN"
                else "",
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                population=int(row["population"] or 0),
                geonameid=geonameid,
                alt_names=alt_latin,
                names_zh=alt_zh,
                search_text=search_text_for(row["name"], alt_latin, alt_zh),
            )
        )
        if len(batch) >= 2000:
            Place.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    Place.objects.bulk_create(batch)
    return count + len(batch)


def preferred_zh_first(names: str) -> str:
    """Reorder |-separated Chinese names so the usual short form comes first.

    GeoNames lists Han names in no useful order (Shenzhen's first is 宝安, a district). The
    common name is usually the one that also appears with the 市 ("city") suffix; names
    with Japanese kana are never preferred.
    """
    items = [n for n in names.split("|") if n]
    if not items:
        return ""

    def has_kana(text: str) -> bool:
        return any("\u3040" <= ch <= "\u30ff" for ch in text)

    with_suffix = {n[:-1] for n in items if n.endswith("市")}
    best = next((n for n in items if n in with_suffix and not has_kana(n)), None)
    if best is None:
        best = next((n for n in items if not has_kana(n)), items[0])
    return "|".join([best, *(n for n in items if n != best)])


def place_index(*, gazetteer_only: bool = False) -> PlaceIndex:
    """An in-memory index of places (optionally only GeoNames ones) for resolving names."""
    places = Place.objects.exclude(geonameid=None) if gazetteer_only else Place.objects.all()
    return PlaceIndex(_place_records(places))


class CreatedPlaces:
    """Places that imports created (no GeoNames id), found by exact normalised name or Wikidata id."""

    def __init__(self) -> None:
        self.by_name: dict[tuple[str, str], int] = {}
        self.by_qid: dict[str, int] = {}

    def add(self, pk: int, name: str, country: str, qid: str | None) -> None:
        self.by_name.setdefault((country, normalise_name(name)), pk)
        if qid:
            self.by_qid.setdefault(qid, pk)

    def find(self, name: str, country: str, qid: str | None) -> int | None:
        if qid and qid in self.by_qid:
            return self.by_qid[qid]
        return self.by_name.get((country, normalise_name(name)))


def created_places_lookup() -> CreatedPlaces:
    lookup = CreatedPlaces()
    for pk, name, country, qid in Place.objects.filter(geonameid=None).values_list(
        "id", "name", "country_id", "wikidata"
    ):
        lookup.add(pk, name, country, qid or None)
    return lookup


def _place_records(places: Iterable[Place]) -> Iterator[PlaceRecord]:
    for pk, name, country, population, alt, zh, wikidata, admin1, lat, lon in places.values_list(
        "id",
        "name",
        "country_id",
        "population",
        "alt_names",
        "names_zh",
        "wikidata",
        "admin1_code",
        "latitude",
        "longitude",
    ).iterator(chunk_size=5000):
        alt_names = tuple(n for n in (alt.split("|") + zh.split("|")) if n)
        yield PlaceRecord(
            pk, name, country, population or 0, alt_names, wikidata or None, admin1, lat, lon
        )


def place_create(
    *,
    name: str,
    country: str,
    wikidata: str | None = None,
    population: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    kind: str = PlaceKind.CITY,
) -> Place:
    """Create a place the gazetteer does not know (imports with --create-places) and index it."""
    if not Country.objects.filter(pk=country).exists():
        raise UserFacingError(f"{country!r} is not an ISO 3166 country code", field="country")
    place = Place.objects.create(
        name=name.strip(),
        country_id=country,
        kind=kind,
        population=population or 0,
        latitude=lat,
        longitude=lon,
        wikidata=wikidata or "",
        search_text=search_text_for(name, "", ""),
    )
    return place


def place_attach_wikidata(place_ids_to_qid: dict[int, str]) -> None:
    """Record Wikidata ids learnt from sources on places that had none."""
    for pk, qid in place_ids_to_qid.items():
        Place.objects.filter(pk=pk, wikidata="").update(wikidata=qid)


# -- Chinese-side counterparts: one record per body, found by any of its names -------------


def counterpart_find(name: str, kind: str = "") -> Counterpart | None:
    """The counterpart known by `name` in any spelling or script (alternative names included).

    A kind given narrows the match; a name shared by bodies of different kinds without a
    kind to choose by gives the one with the most reports (then the oldest record).
    """
    needle = normalise_name(name or "")
    if not needle:
        return None
    qs = Counterpart.objects.filter(search_text__contains=f"|{needle}|")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(n=Count("cases")).order_by("-n", "pk").first()


def counterpart_resolve(*, kind: str, name: str, country: str = "CN") -> Counterpart | None:
    """The counterpart a report names: found by any of its names, or created (Chinese side).

    Called by the system when a report is shared (no person's rights involved: it records
    which body a report names, not who may read it).
    """
    name = (name or "").strip()
    if not name or not kind:
        return None
    found = counterpart_find(name, kind)
    if found is not None:
        return found
    if not Country.objects.filter(pk=country).exists():
        return None
    counterpart, _created = Counterpart.objects.get_or_create(
        kind=kind, country_id=country, name=name[:300]
    )
    return counterpart


def counterpart_add_names(counterpart: Counterpart, names: Iterable[str]) -> Counterpart:
    """Add alternative names (dedup: a second spelling of the same body, not a second body)."""
    current = [n for n in counterpart.alt_names.split("|") if n]
    for name in names:
        name = name.strip().replace("|", " ")
        if name and name != counterpart.name and name not in current:
            current.append(name)
    counterpart.alt_names = "|".join(current)
    counterpart.save()
    return counterpart


@transaction.atomic
def counterparts_load(path: Path | None = None) -> int:
    """Create or complete the bundled counterparts (data/counterparts.csv); returns rows read.

    A body already present under one of its names (the public record or a report created
    it first) is completed with the file's names, seat and parent, not duplicated.
    """
    countries = set(Country.objects.values_list("iso2", flat=True))
    rows = [
        row
        for row in (_read_csv_path(path) if path else _read_csv("counterparts.csv"))
        if row["country"] in countries
    ]
    known = {}
    for row in rows:
        names = [n for n in row["alt_names"].split("|") if n.strip()]
        counterpart = None
        for candidate in (row["name"], *names):
            counterpart = counterpart_find(candidate, row["kind"])
            if counterpart is not None:
                break
        if counterpart is None:
            counterpart = Counterpart(kind=row["kind"], country_id=row["country"], name=row["name"])
        elif counterpart.name != row["name"]:
            names.append(counterpart.name)
            counterpart.name = row["name"]
        counterpart.place = _seat(row["place"], row["place_country"])
        counterpart.save()
        counterpart_add_names(counterpart, names)
        known[row["name"]] = counterpart
    for row in rows:
        if row["parent"]:
            parent = known.get(row["parent"]) or counterpart_find(row["parent"])
            Counterpart.objects.filter(pk=known[row["name"]].pk).update(parent=parent)
    return len(rows)


def _read_csv_path(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _seat(city: str, country: str) -> Place | None:
    if not city or not Country.objects.filter(pk=country).exists():
        return None
    needle = f"|{normalise_name(city)}|"
    return (
        Place.objects.filter(country_id=country, search_text__contains=needle)
        .order_by("-population", "pk")
        .first()
    )
