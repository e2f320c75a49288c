"""The bundled public registry: worldwide twinnings from Wikidata and Wikipedia, with the
statuses documented in the incidents file applied (see twinwise/data/SOURCES.md).

Rows are resolved to places first and then merged, so "Kiev–X" and "Kyiv–X" become one
partnership listing both source rows. Without a documented status a tie is "reported".
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from django.db import transaction
from django.utils.text import slugify

from twinwise.core.dates import partial_date_year
from twinwise.core.versioning import bump
from twinwise.directory.models import Place
from twinwise.directory.services import CHINA_SIDE, place_attach_wikidata

from .facets import DATA_SET
from .models import Partnership, PartnershipSource
from .services import ImportReport, Prepared, SourceSpec, _Resolver, write_prepared

DATA = resources.files("twinwise") / "data"
DATASET_TITLES = {
    "wikidata-2022": "Wikidata P190 dump (2022-01), via albertoursino/graphs-comparison",
    "wikidata-2017-eu": "Wikidata SPARQL results for EU cities (2017-07), via rogorido/sistercities",
    "wikipedia-2026": "Wikipedia lists of twin towns and sister cities (2026-02), via Hekman/twincities",
    "press": "Press reports (see the status sources)",
}


@dataclass
class _Pair:
    local: int
    counterpart: int
    datasets: set[str] = field(default_factory=set)
    rows: list[str] = field(default_factory=list)


def _rows(name: str, data_dir=None) -> Iterator[dict[str, str]]:
    with ((data_dir or DATA) / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _is_chinese(country: str) -> bool:
    return country in CHINA_SIDE


class _PairCollector:
    def __init__(self, resolver: _Resolver):
        self.resolver = resolver
        self.pairs: dict[tuple[int, int], _Pair] = {}
        self.qids: dict[int, str] = {}
        self.skipped = 0

    def place(self, name: str, country: str, qid: str, lat: str, lon: str, line: int) -> int | None:
        if not name or country not in self.resolver.countries:
            return None
        obj = {
            "name": name,
            "country": country,
            "wikidata": qid or None,
            "lat": float(lat) if lat else None,
            "lon": float(lon) if lon else None,
        }
        pk = self.resolver.place(obj, line=line, prefix="place")
        if qid:
            self.qids.setdefault(pk, qid)
        return pk

    def add(
        self, a: tuple, b: tuple, datasets: list[str], line: int, ref: str
    ) -> tuple[int, int] | None:
        pa, pb = self.place(*a, line), self.place(*b, line)
        if pa is None or pb is None or pa == pb:
            self.skipped += 1
            return None
        # The Chinese side is the counterpart; otherwise keep a stable order.
        if (_is_chinese(a[1]) and not _is_chinese(b[1])) or (
            _is_chinese(a[1]) == _is_chinese(b[1]) and pb < pa
        ):
            pa, pb = pb, pa
        pair = self.pairs.setdefault(_pair_key(pa, pb), _Pair(pa, pb))
        pair.datasets.update(d for d in datasets if d)
        pair.rows.append(ref)
        return (pair.local, pair.counterpart)


def _pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _external_id(places: dict[int, Place], local: int, counterpart: int) -> str:
    def key(pk: int) -> str:
        p = places[pk]
        return (
            f"gn{p.geonameid}" if p.geonameid else f"{p.country_id.lower()}-{slugify(p.name) or pk}"
        )

    return f"tw-{key(local)}-{key(counterpart)}"


def registry_load_bundled(*, progress=None, data_dir=None) -> ImportReport:
    """Load (or refresh) the bundled registry; idempotent by external_id.

    `data_dir` replaces the bundled twinwise/data folder (tests use small files).
    """
    with transaction.atomic():
        resolver = _Resolver(create_places=True)
        collector = _PairCollector(resolver)
        for n, row in enumerate(_rows("twinnings.csv", data_dir), start=2):
            collector.add(
                (row["city_a"], row["country_a"], row["city_a_qid"], row["lat_a"], row["lon_a"]),
                (row["city_b"], row["country_b"], row["city_b_qid"], row["lat_b"], row["lon_b"]),
                row["sources"].split(";"),
                n,
                f"twinnings.csv:{n}",
            )
            if progress and n % 1000 == 0:
                progress(1000)
        for n, row in enumerate(
            _rows("china_europe_northamerica_twinnings.csv", data_dir), start=2
        ):
            if row["sources"].startswith("press"):
                collector.add(
                    (
                        row["china_city"],
                        row["china_country"],
                        row["china_qid"],
                        row["china_lat"],
                        row["china_lon"],
                    ),
                    (
                        row["partner_city"],
                        row["partner_country"],
                        row["partner_qid"],
                        row["partner_lat"],
                        row["partner_lon"],
                    ),
                    ["press"],
                    n,
                    f"china_europe_northamerica_twinnings.csv:{n}",
                )
        place_attach_wikidata(collector.qids)
        prepared = _prepare_pairs(collector)
        _apply_statuses(collector, prepared, data_dir)
        report = write_prepared(prepared.values())
        report.places_created = resolver.places_created
        bump(DATA_SET)
    return report


def _prepare_pairs(collector: _PairCollector) -> dict[tuple[int, int], Prepared]:
    ids = {pk for pair in collector.pairs.values() for pk in (pair.local, pair.counterpart)}
    places = Place.objects.in_bulk(ids)
    prepared: dict[tuple[int, int], Prepared] = {}
    for key, pair in collector.pairs.items():
        values = {
            "local_id": pair.local,
            "counterpart_id": pair.counterpart,
            "counterpart_org_id": None,
            "counterpart_kind": "city",
            "kind": "sister-city",
            "domains": [],
            "status": "",
            "signed_on": "",
            "signed_year": None,
            "ended_on": "",
            "ended_year": None,
            "end_reason": "",
            "tlp": "clear",
        }
        sources = [
            SourceSpec(
                role=PartnershipSource.Role.LISTING,
                dataset=d,
                title=DATASET_TITLES.get(d, d),
                reference=", ".join(r for r in pair.rows)[:200],
            )
            for d in sorted(pair.datasets)
            if d in DATASET_TITLES
        ]
        prepared[key] = Prepared(
            _external_id(places, pair.local, pair.counterpart), values, sources
        )
    return prepared


def _incident_sources(data_dir) -> dict[str, list[SourceSpec]]:
    out: dict[str, list[SourceSpec]] = {}
    for row in _rows("incidents.csv", data_dir):
        urls = [u.strip() for u in row["source_url"].split(" ; ") if u.strip()]
        out[row["id"]] = [
            SourceSpec(
                role=PartnershipSource.Role.STATUS,
                dataset="incidents",
                title=row["source_title_or_outlet"],
                url=url,
                reference=row["id"],
                note=row["summary"][:1000],
            )
            for url in urls
        ]
    return out


def _apply_statuses(
    collector: _PairCollector, prepared: dict[tuple[int, int], Prepared], data_dir
) -> None:
    """Statuses, dates and end reasons documented in incidents.csv (via partnership_statuses.csv)."""
    incidents = _incident_sources(data_dir)
    for n, row in enumerate(_rows("partnership_statuses.csv", data_dir), start=2):
        ref = f"partnership_statuses.csv:{n}"
        pair = collector.add(
            (row["china_city"], row["china_country"], "", "", ""),
            (row["partner_city"], row["partner_country"], "", "", ""),
            ["press"],
            n,
            ref,
        )
        if pair is None:
            continue
        key = _pair_key(*pair)
        item = prepared.get(key)
        if item is None:
            places = Place.objects.in_bulk(pair)
            item = prepared[key] = Prepared(
                _external_id(places, *pair),
                {
                    "local_id": pair[0],
                    "counterpart_id": pair[1],
                    "counterpart_org_id": None,
                    "counterpart_kind": "city",
                    "domains": [],
                    "tlp": "clear",
                },
                [],
            )
        item.values.update(
            {
                "kind": row["kind"],
                "status": row["status"],
                "signed_on": row["signed_on"],
                "signed_year": partial_date_year(row["signed_on"]),
                "ended_on": row["ended_on"],
                "ended_year": partial_date_year(row["ended_on"]),
                "end_reason": row["end_reason"],
            }
        )
        if row["note"]:
            item.sources.append(
                SourceSpec(
                    role=PartnershipSource.Role.STATUS,
                    dataset="twinwise",
                    title="Note from the twinwise curators",
                    reference=ref,
                    note=row["note"],
                )
            )
        for incident in row["incident_ids"].split(";"):
            item.sources.extend(incidents.get(incident, []))


def registry_counts() -> dict[str, int]:
    return {"partnerships": Partnership.objects.count(), "places": Place.objects.count()}
