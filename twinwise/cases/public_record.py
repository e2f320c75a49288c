"""The public record: documented real cases, published as TLP:CLEAR by the "public record"
pseudo-member so that anonymous visitors can browse them.

Two bundled files feed it (twinwise/data, see SOURCES.md):

- `incidents.csv` — one row per documented event, with its sources and a confidence
  (high, medium, low — low marks partisan or reposted sources);
- `incident_mapping.csv` — our hand-curated reading of each row in the case taxonomy
  (TAXONOMY.md): a neutral title, case type, topics, channel, response type, the Chinese
  counterpart it concerns, the partnership it concerns (the two places, resolved like the
  registry import resolves them) and, where the outlet column does not list one title per
  URL, the titles of the sources.

Curation rules kept in the mapping: the counterpart is the Chinese-side body that acted
towards the city when the source names one (`chinese_actor`), otherwise the Chinese partner
the case concerns (`chinese_counterpart`); blank where the source does not say. Channel and
response type are filled only where the source says how the contact was made or what the
city did. A partnership is linked only where the case is about that tie and the source names
both places (Örebro's counterpart is not named, so that case links to none).
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from twinwise.access.actors import Actor
from twinwise.access.policy import require_model
from twinwise.accounts.models import Organisation
from twinwise.core.dates import partial_date_year
from twinwise.core.errors import UserFacingError
from twinwise.core.reports import ImportReport
from twinwise.directory.models import Counterpart, Country
from twinwise.directory.selectors import place_get
from twinwise.directory.services import created_places_lookup, place_index
from twinwise.partnerships.selectors import partnerships_of_place

from .models import Case, CaseState
from .services import clean_case_data, record_revision, snapshot

DATA = resources.files("twinwise") / "data"
SLUG = "public-record"
NAME = "Public record"
CONFIDENCE = ("high", "medium", "low")
# Counterparts that belong to one city: the directory entry points at the place.
CITY_KINDS = ("city", "foreign-affairs-office")
# Fields of a public-record case that the loader owns; a re-run updates exactly these.
LOADED = (
    "title",
    "occurred_on",
    "occurred_year",
    "counterpart_id",
    "counterpart_kind",
    "counterpart_name",
    "partnership_id",
    "case_type",
    "topics",
    "channel",
    "summary",
    "response_type",
    "outcome",
    "language",
    "tlp",
    "anonymous",
    "sources",
    "confidence",
)


@dataclass
class PublicRecordReport(ImportReport):
    with_partnership: int = 0
    with_counterpart: int = 0


def _rows(name: str, data_dir) -> Iterator[tuple[int, dict[str, str]]]:
    with ((data_dir or DATA) / name).open(encoding="utf-8", newline="") as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def public_record_organisation() -> Organisation:
    """The pseudo-member that holds published facts; it stands for no city, so no country."""
    org, _created = Organisation.objects.get_or_create(
        slug=SLUG,
        defaults={"name": NAME, "verified": True, "is_public_record": True},
    )
    if not org.is_public_record:
        raise UserFacingError(
            f"the organisation {SLUG!r} exists but is a member, not the public record"
        )
    return org


@transaction.atomic
def public_record_load(*, actor: Actor, data_dir=None) -> PublicRecordReport:
    """Create or update the public-record cases; idempotent by external_id (= incident id).

    Rule: operators only (access rule cases.case/import). All or nothing. `data_dir`
    replaces the bundled twinwise/data folder (tests use small files).
    """
    require_model(actor, Case, "import")
    org = public_record_organisation()
    mapping = {row["id"]: row for _line, row in _rows("incident_mapping.csv", data_dir)}
    links = _Links(actor)
    report = PublicRecordReport()
    now = timezone.now()
    for line, incident in _rows("incidents.csv", data_dir):
        curation = mapping.get(incident["id"])
        if curation is None:
            raise UserFacingError(
                f"incident {incident['id']!r} has no row in incident_mapping.csv", line=line
            )
        values = _values(incident, curation, links, line)
        report.with_partnership += values["partnership_id"] is not None
        report.with_counterpart += values["counterpart_id"] is not None
        outcome = _write(org, actor, incident["id"], values, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _values(incident: dict, curation: dict, links: "_Links", line: int) -> dict:
    data = {
        "title": curation["title"],
        "occurred_on": incident["date"],
        "counterpart_kind": curation["counterpart_kind"],
        "counterpart_name": curation["counterpart_name"],
        "case_type": curation["case_type"],
        "topics": [t for t in curation["topics"].split(";") if t.strip()],
        "channel": curation["channel"],
        "summary": _summary(incident),
        "response_type": curation["response_type"],
        "outcome": incident["outcome"],
        "language": "en",
        "tlp": "clear",
        "anonymous": False,
    }
    try:
        values = clean_case_data(data)
    except UserFacingError as exc:
        raise UserFacingError(exc.message, line=line, field=exc.field) from None
    confidence = incident["confidence"].strip()
    if confidence not in CONFIDENCE:
        raise UserFacingError(
            f"confidence must be one of {', '.join(CONFIDENCE)}", line=line, field="confidence"
        )
    values.update(
        occurred_year=partial_date_year(values["occurred_on"]),
        sources=sources_of(incident, curation),
        confidence=confidence,
        counterpart_id=links.counterpart(curation),
        partnership_id=links.partnership(curation),
    )
    return values


def _summary(incident: dict) -> str:
    """The summary, followed by the curators' note on the sources when there is one."""
    summary, note = incident["summary"].strip(), incident["notes"].strip()
    return f"{summary}\n\nNote on the sources: {note}" if note else summary


def _split_titles(text: str) -> list[str]:
    """Outlets are ';'-separated; a ';' inside parentheses belongs to its outlet."""
    titles, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == ";" and depth <= 0:
            titles.append(current.strip())
            current = ""
        else:
            current += ch
    titles.append(current.strip())
    return [t for t in titles if t]


def sources_of(incident: dict, curation: dict) -> list[dict[str, str]]:
    """[{url, title}] per source URL. Titles pair with URLs in order when there is one per
    URL (or when the mapping lists them); otherwise every URL carries the whole outlet text."""
    urls = [u.strip() for u in incident["source_url"].split(" ; ") if u.strip()]
    titles = [t.strip() for t in (curation.get("source_titles") or "").split("|") if t.strip()]
    if len(titles) != len(urls):
        titles = _split_titles(incident["source_title_or_outlet"])
    if len(titles) != len(urls):
        titles = [incident["source_title_or_outlet"].strip()] * len(urls)
    return [{"url": url, "title": title} for url, title in zip(urls, titles, strict=True)]


class _Links:
    """Finds the partnership and the directory counterpart a case concerns."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.countries = set(Country.objects.values_list("iso2", flat=True))
        self._index = None
        self._created = None

    def place(self, name: str, country: str) -> int | None:
        """Resolve like the registry import does: the gazetteer first, then imported places."""
        if not name or country not in self.countries:
            return None
        if self._index is None:  # built once, and only when a row names a partnership
            self._index = place_index(gazetteer_only=True)
            self._created = created_places_lookup()
        found = self._index.resolve(name, country)
        return found.key if found is not None else self._created.find(name, country, None)

    def partnership(self, row: dict) -> int | None:
        local = self.place(row["local_city"], row["local_country"])
        china = self.place(row["china_city"], row["china_country"])
        if local is None or china is None:
            return None
        ties = partnerships_of_place(actor=self.actor, place=place_get(pk=local)).filter(
            Q(counterpart_id=china) | Q(local_id=china)
        )
        return ties.values_list("pk", flat=True).first()

    def counterpart(self, row: dict) -> int | None:
        kind, name = row["counterpart_kind"], row["counterpart_name"].strip()
        country = row["counterpart_country"]
        if not (kind and name) or country not in self.countries:
            return None
        place = self.place(row["china_city"], country) if kind in CITY_KINDS else None
        org, _created = Counterpart.objects.get_or_create(
            kind=kind, country_id=country, name=name, defaults={"place_id": place}
        )
        return org.pk


def _write(org: Organisation, actor: Actor, external_id: str, values: dict, now) -> str:
    case = Case.objects.filter(external_id=external_id).first()
    if case is None:
        case = Case(
            organisation=org,
            external_id=external_id,
            state=CaseState.PUBLISHED,
            submitted_at=now,
            published_at=now,
            **values,
        )
        case.save()
        record_revision(case, actor, "import", None)
        return "created"
    if case.organisation_id != org.pk:
        raise UserFacingError(
            f"a member's case already uses the external id {external_id!r}",
            field="external_id",
        )
    if all(getattr(case, field) == values[field] for field in LOADED):
        return "unchanged"
    before = snapshot(case)
    for field in LOADED:
        setattr(case, field, values[field])
    case.save()
    record_revision(case, actor, "import", before)
    return "updated"
