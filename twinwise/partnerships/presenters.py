"""One partnership as the INTERCHANGE.md record: the shape the API, the exports and the
`twinwise export` command all publish, built in this one place so they cannot drift apart.

The record is schema-valid (interchange/schemas/partnership.schema.json): empty values are
None (the writers leave them out), text is trimmed (CSV cells are trimmed on reading), so an
export reads back through `interchange.readers.read_partnerships` unchanged.

`record_from_row` is the builder. It takes a flat row (the `RECORD_VALUES` of a
`.values()` query) so bulk exports need no model instances — building ~5 model objects per
partnership made a 30k-row export four times slower. `partnership_record(p)` feeds it the
same row from a model instance, for the API.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from twinwise.access.actors import Actor
from twinwise.access.policy import visible

from .models import Partnership, PartnershipSource

# The columns `record_from_row` reads, as `.values()` lookups on Partnership.
RECORD_VALUES = (
    "id", "external_id", "kind", "domains", "status", "signed_on", "ended_on", "end_reason",
    "tlp", "counterpart_kind", "local_id", "counterpart_id",
    "local__name", "local__country_id", "local__wikidata",
    "counterpart__name", "counterpart__country_id", "counterpart__wikidata",
    "counterpart_org__name", "counterpart_org__country_id", "counterpart_org__wikidata",
    "counterpart_org__kind",
)  # fmt: skip
# The fields of a source, as `.values()` lookups on PartnershipSource.
SOURCE_VALUES = ("id", "partnership_id", "role", "dataset", "title", "url", "reference", "note")

# Status sources (documented incidents) are cited before the data sets that list the tie.
_ROLE_ORDER = {
    PartnershipSource.Role.STATUS: 0,
    PartnershipSource.Role.LISTING: 1,
    PartnershipSource.Role.IMPORT: 2,
}
CITATION_SEPARATOR = " ; "


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def sort_sources(sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Sources (SOURCE_VALUES mappings) in citation order: status sources first."""
    return sorted(sources, key=lambda s: (_ROLE_ORDER.get(s["role"], 9), s["dataset"], s["id"]))


def source_citation(sources: Sequence[Mapping[str, Any]]) -> str | None:
    """Every source in one line: its URL, or its title when it has none."""
    cited = [(s["url"] or s["title"] or s["dataset"] or "").strip() for s in sort_sources(sources)]
    return _text(CITATION_SEPARATOR.join(dict.fromkeys(c for c in cited if c)))


def _counterpart(row: Mapping[str, Any]) -> dict[str, Any]:
    side = "counterpart" if row["counterpart_id"] else "counterpart_org"
    return {
        "name": row[f"{side}__name"].strip(),
        "country": row[f"{side}__country_id"],
        "wikidata": _text(row[f"{side}__wikidata"]),
        "kind": row["counterpart_kind"] or row.get("counterpart_org__kind"),
    }


def record_from_row(row: Mapping[str, Any], sources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The INTERCHANGE.md partnership record (status None when the tie is only reported)."""
    return {
        "external_id": row["external_id"],
        "local": {
            "name": row["local__name"].strip(),
            "country": row["local__country_id"],
            "wikidata": _text(row["local__wikidata"]),
        },
        "counterpart": _counterpart(row),
        "kind": row["kind"],
        "domains": list(row["domains"] or ()) or None,
        "status": row["status"] or None,
        "signed_on": row["signed_on"] or None,
        "ended_on": row["ended_on"] or None,
        "end_reason": _text(row["end_reason"]),
        "source": source_citation(sources),
        "tlp": row["tlp"],
    }


def _row_of(p: Partnership) -> dict[str, Any]:
    """The RECORD_VALUES of a model instance."""
    row = {field: getattr(p, field) for field in RECORD_VALUES if "__" not in field}
    for relation in ("local", "counterpart", "counterpart_org"):
        related = getattr(p, relation)
        for field in ("name", "country_id", "wikidata", "kind"):
            row[f"{relation}__{field}"] = getattr(related, field, None) if related else None
    return row


def source_values(s: PartnershipSource) -> dict[str, Any]:
    return {field: getattr(s, field) for field in SOURCE_VALUES}


def partnership_sources_values(p: Partnership) -> list[dict[str, Any]]:
    """The sources of `p` as SOURCE_VALUES mappings, in citation order (uses a prefetch)."""
    return sort_sources(source_values(s) for s in p.sources.all())


def partnership_record(p: Partnership) -> dict[str, Any]:
    """The record of one model instance (load its relations first: see `with_related`)."""
    return record_from_row(_row_of(p), partnership_sources_values(p))


def partnership_page_url(pk: int) -> str:
    """The path of the partnership's public HTML page."""
    return reverse("partnerships:detail", args=[pk])


def source_record(s: Mapping[str, Any]) -> dict[str, Any]:
    """A source as the API shows it."""
    return {
        "role": s["role"],
        **{f: _text(s[f]) for f in ("dataset", "title", "url", "reference", "note")},
    }


def partnership_api_record(p: Partnership) -> dict[str, Any]:
    """The record plus what an API client needs: `id`, the page `url` and structured `sources`."""
    sources = partnership_sources_values(p)
    return {
        "id": p.pk,
        "url": partnership_page_url(p.pk),
        **record_from_row(_row_of(p), sources),
        "domains": list(p.domains or []),  # always a list in the API, None (left out) in files
        "sources": [source_record(s) for s in sources],
    }


def with_related(*, actor: Actor, partnerships: Iterable[Partnership]) -> list[Partnership]:
    """Load what `partnership_record` reads for a list of rows in a fixed number of queries.

    Sources inherit their partnership's visibility; they are still read through the policy.
    """
    rows = list(partnerships)
    prefetch_related_objects(
        rows,
        "local",
        "counterpart",
        "counterpart_org",
        Prefetch("sources", queryset=visible(actor, PartnershipSource.objects.all())),
    )
    return rows
