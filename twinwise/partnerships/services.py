"""Writes to the registry: imports (all-or-nothing) and the bundled public data set."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from twinwise.access.actors import Actor
from twinwise.access.policy import require_model
from twinwise.core.dates import partial_date_year
from twinwise.core.errors import UserFacingError
from twinwise.core.reports import ImportReport
from twinwise.core.versioning import bump
from twinwise.directory.models import Counterpart, Country, PlaceKind
from twinwise.directory.resolution import PlaceIndex
from twinwise.directory.services import created_places_lookup, place_create, place_index

from .facets import DATA_SET
from .models import Partnership, PartnershipSource

PLACE_KINDS = {"city": PlaceKind.CITY, "province": PlaceKind.PROVINCE}
URL = re.compile(r"^https?://\S+$")
FIELDS = (
    "local_id",
    "counterpart_id",
    "counterpart_org_id",
    "counterpart_kind",
    "kind",
    "domains",
    "status",
    "signed_on",
    "signed_year",
    "ended_on",
    "ended_year",
    "end_reason",
    "tlp",
)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SourceSpec:
    role: str
    dataset: str = ""
    title: str = ""
    url: str = ""
    reference: str = ""
    note: str = ""

    def key(self) -> tuple:
        return (self.role, self.dataset, self.reference, self.url)


@dataclass
class Prepared:
    """A partnership ready to be written: places resolved, dates parsed."""

    external_id: str
    values: dict
    sources: list[SourceSpec] = field(default_factory=list)


class _Resolver:
    """Resolves the places and organisations of interchange records.

    Names are resolved against the gazetteer (GeoNames places) first; places created by
    earlier imports are found by their exact normalised name or Wikidata id. Keeping the two
    apart makes imports repeatable: a place created on the first run cannot change how a
    gazetteer name resolves on the second.
    """

    def __init__(self, *, create_places: bool):
        self.index: PlaceIndex = place_index(gazetteer_only=True)
        self.created = created_places_lookup()
        self.create_places = create_places
        self.countries = set(Country.objects.values_list("iso2", flat=True))
        if not self.countries:
            raise UserFacingError(
                "the directory of countries and places is empty; run `twinwise demo` first"
            )
        self.places_created = 0

    def place(self, obj: dict, *, line: int, prefix: str, kind: str = PlaceKind.CITY) -> int:
        name, country, qid = obj["name"], obj["country"], obj.get("wikidata")
        if country not in self.countries:
            raise UserFacingError(
                f"{country!r} is not an ISO 3166 country code", line=line, field=f"{prefix}.country"
            )
        found = self.index.resolve(name, country, qid, lat=obj.get("lat"), lon=obj.get("lon"))
        if found is not None:
            return found.key
        created = self.created.find(name, country, qid)
        if created is not None:
            return created
        if not self.create_places:
            raise UserFacingError(
                f"no place called {name!r} is known in {country}; check the spelling, add a "
                "wikidata id, or run the import with --create-places",
                line=line,
                field=f"{prefix}.name",
            )
        self.places_created += 1
        place = place_create(
            name=name,
            country=country,
            wikidata=qid,
            population=obj.get("population"),
            lat=obj.get("lat"),
            lon=obj.get("lon"),
            kind=kind,
        )
        self.created.add(place.pk, place.name, country, qid)
        return place.pk

    def organisation(self, obj: dict, *, line: int) -> int:
        if obj["country"] not in self.countries:
            raise UserFacingError(
                f"{obj['country']!r} is not an ISO 3166 country code",
                line=line,
                field="counterpart.country",
            )
        org, _created = Counterpart.objects.get_or_create(
            kind=obj["kind"],
            country_id=obj["country"],
            name=obj["name"].strip(),
            defaults={"wikidata": obj.get("wikidata") or ""},
        )
        return org.pk


def prepare_record(resolver: _Resolver, line: int, record: dict, *, dataset: str) -> Prepared:
    """Turn one validated interchange record into a Prepared partnership."""
    counterpart = record["counterpart"]
    kind = counterpart.get("kind") or "city"
    local_id = resolver.place(record["local"], line=line, prefix="local")
    counterpart_id = org_id = None
    if kind in PLACE_KINDS:
        counterpart_id = resolver.place(
            counterpart, line=line, prefix="counterpart", kind=PLACE_KINDS[kind]
        )
    else:
        org_id = resolver.organisation(counterpart, line=line)
    signed_on, ended_on = record.get("signed_on") or "", record.get("ended_on") or ""
    values = {
        "local_id": local_id,
        "counterpart_id": counterpart_id,
        "counterpart_org_id": org_id,
        "counterpart_kind": kind,
        "kind": record["kind"],
        "domains": list(record.get("domains") or []),
        "status": record.get("status") or "",
        "signed_on": signed_on,
        "signed_year": partial_date_year(signed_on),
        "ended_on": ended_on,
        "ended_year": partial_date_year(ended_on),
        "end_reason": record.get("end_reason") or "",
        "tlp": record.get("tlp") or "clear",
    }
    sources = []
    source = (record.get("source") or "").strip()
    if len(source) > 1000:
        raise UserFacingError(
            "the source is longer than 1,000 characters", line=line, field="source"
        )
    if source:
        is_url = bool(URL.match(source))
        sources.append(
            SourceSpec(
                role=PartnershipSource.Role.IMPORT,
                dataset=dataset,
                url=source if is_url else "",
                note="" if is_url else source,
            )
        )
    return Prepared(record["external_id"], values, sources)


def partnerships_import(
    *,
    actor: Actor,
    records: list[tuple[int, dict]],
    create_places: bool = False,
    dataset: str = "import",
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update partnerships from validated interchange records, all or nothing.

    Rule: only operators may import (access rule partnerships.partnership/import).
    Idempotent by external_id; the first unresolvable place aborts the whole import.
    """
    require_model(actor, Partnership, "import")
    with transaction.atomic():
        resolver = _Resolver(create_places=create_places)
        prepared = []
        for n, (line, record) in enumerate(records, 1):
            prepared.append(prepare_record(resolver, line, record, dataset=dataset))
            if progress and n % 500 == 0:
                progress(500)
        if progress:
            progress(len(records) % 500)
        report = write_prepared(prepared)
        report.places_created = resolver.places_created
    return report


def write_prepared(items: Iterable[Prepared]) -> ImportReport:
    """Upsert prepared partnerships by external_id and add their sources (inside a transaction)."""
    items = list(items)
    report = ImportReport()
    existing: dict[str, Partnership] = {}
    ids = [item.external_id for item in items]
    for start in range(0, len(ids), 500):
        for p in Partnership.objects.filter(external_id__in=ids[start : start + 500]):
            existing[p.external_id] = p
    new, changed = [], []
    for item in items:
        current = existing.get(item.external_id)
        if current is None:
            new.append(Partnership(external_id=item.external_id, **item.values))
        elif any(getattr(current, k) != v for k, v in item.values.items()):
            for k, v in item.values.items():
                setattr(current, k, v)
            changed.append(current)
        else:
            report.unchanged += 1
    Partnership.objects.bulk_create(new, batch_size=1000)
    Partnership.objects.bulk_update(changed, list(FIELDS), batch_size=1000)
    report.created, report.updated = len(new), len(changed)
    _add_sources(items)
    if new or changed:
        bump(DATA_SET)
    return report


def _add_sources(items: list[Prepared]) -> None:
    by_external = (
        dict(
            Partnership.objects.filter(
                external_id__in=[i.external_id for i in items if i.sources]
            ).values_list("external_id", "id")
        )
        if len(items) < 5000
        else dict(Partnership.objects.values_list("external_id", "id"))
    )
    wanted = {
        (by_external[i.external_id], *s.key()): (by_external[i.external_id], s)
        for i in items
        for s in i.sources
    }
    if not wanted:
        return
    have = set(
        PartnershipSource.objects.filter(
            partnership_id__in={pid for pid, _s in wanted.values()}
        ).values_list("partnership_id", "role", "dataset", "reference", "url")
    )
    PartnershipSource.objects.bulk_create(
        [
            PartnershipSource(
                partnership_id=pid,
                role=s.role,
                dataset=s.dataset,
                title=s.title[:300],
                url=s.url,
                reference=s.reference,
                note=s.note,
            )
            for key, (pid, s) in wanted.items()
            if key not in have
        ],
        batch_size=1000,
    )
