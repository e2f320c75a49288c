"""Cases in and out as INTERCHANGE.md files: `twinwise import cases` and `twinwise export
cases`, and the recipient names the API accepts.

Import: the whole file is read and checked first (twinwise.interchange.readers, then every
member, recipient and external_id resolved), then written in one transaction — everything
lands or nothing does. Re-importing an external_id updates that case in place. Imported
cases are published as they are: the operator who runs the import vouches for them.

Export: exactly the shared (published) cases the actor may see, each built from
`case_present_many`, so an anonymous report is redacted as on every other surface: no
`member` (the file then says who reported only as `x-reporter`, "a city of … in …").
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import batched
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.access.policy import require_model
from twinwise.accounts.models import Organisation
from twinwise.core.errors import UserFacingError
from twinwise.core.reports import ImportReport
from twinwise.interchange.exporters import check_format
from twinwise.interchange.readers import InterchangeError, decode_upload, read_cases
from twinwise.interchange.writers import case_csv_columns, write_csv, write_jsonl

from .models import Case, CaseRecipientOrganisation, CaseRecipientUser, CaseState
from .selectors import case_present_many, case_queryset
from .services import clean_case_data, embedding_refresh_later, record_revision, snapshot

Progress = Callable[[int], None]
CHUNK = 1000
TEXT = ("summary", "demand", "response", "outcome", "lessons")
EXTRA_COLUMNS = ("x-id", "x-reporter", "x-sources", "x-confidence")


# -- recipients by name -------------------------------------------------------------------

MEMBERS_ERROR = "recipients must be other verified member organisations"
USERS_ERROR = "recipients must be active members of the network"


def recipient_organisations(slugs: list[str], *, exclude: int | None = None) -> dict[str, int]:
    """slug → id of verified member organisations (not the public record, not `exclude`)."""
    orgs = Organisation.objects.filter(slug__in=slugs, verified=True, is_public_record=False)
    if exclude is not None:
        orgs = orgs.exclude(pk=exclude)
    return dict(orgs.values_list("slug", "pk"))


def recipient_users(usernames: list[str]) -> dict[str, int]:
    """username → id of active users who belong to a member organisation."""
    users = get_user_model().objects.filter(
        username__in=usernames, is_active=True, organisation__isnull=False
    )
    return dict(users.values_list("username", "pk"))


def resolve_recipients(recipients: dict | None, *, organisation_id: int | None) -> dict | None:
    """{"members": [slug], "users": [username]} → {"members": [id], "users": [id]}.

    An unknown name gets the same answer as an unverified one, so the API cannot be used
    to find out which organisations or user names exist.
    """
    if recipients is None:
        return None
    slugs = list(dict.fromkeys(recipients.get("members") or []))
    names = list(dict.fromkeys(recipients.get("users") or []))
    orgs = recipient_organisations(slugs, exclude=organisation_id)
    users = recipient_users(names)
    if len(orgs) != len(slugs):
        raise UserFacingError(_(MEMBERS_ERROR), field="recipients.members")
    if len(users) != len(names):
        raise UserFacingError(_(USERS_ERROR), field="recipients.users")
    return {"members": [orgs[s] for s in slugs], "users": [users[n] for n in names]}


# -- import ------------------------------------------------------------------------------


CaseImportReport = ImportReport


@dataclass
class _Prepared:
    line: int
    external_id: str
    organisation_id: int
    values: dict
    member_ids: list[int]
    user_ids: list[int]


def _fields(record: dict) -> dict:
    counterpart = record.get("counterpart") or {}
    data = {
        "title": record["title"],
        "occurred_on": record["occurred_on"],
        "counterpart_kind": counterpart.get("kind", ""),
        "counterpart_name": counterpart.get("name", ""),
        "case_type": record["case_type"],
        "topics": record.get("topics", []),
        "channel": record.get("channel", ""),
        "response_type": record.get("response_type", ""),
        "language": record.get("language", ""),
        "tlp": record["tlp"],
        "anonymous": record.get("anonymous", False),
        **{field: record.get(field, "") for field in TEXT},
    }
    return clean_case_data(data)


class _Resolver:
    """Members, recipients and existing cases of a whole file, in a few queries."""

    def __init__(self, records: list[tuple[int, dict]]):
        slugs = {r["member"] for _line, r in records}
        recipient_slugs = {
            s for _l, r in records for s in (r.get("recipients") or {}).get("members", [])
        }
        names = {n for _l, r in records for n in (r.get("recipients") or {}).get("users", [])}
        self.members = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        self.recipient_orgs = recipient_organisations(sorted(recipient_slugs))
        self.recipient_users = recipient_users(sorted(names))
        ids = [r["external_id"] for _line, r in records]
        self.existing = {
            c.external_id: c for c in Case.objects.filter(external_id__in=ids).order_by()
        }

    def prepare(self, line: int, record: dict) -> _Prepared:
        org_id = self.members.get(record["member"])
        if org_id is None:
            raise InterchangeError(
                f"there is no member organisation {record['member']!r}; import it first "
                "(twinwise import members)",
                line=line,
                field="member",
            )
        existing = self.existing.get(record["external_id"])
        if existing is not None and existing.organisation_id != org_id:
            raise InterchangeError(
                "this external_id belongs to a case of another member organisation",
                line=line,
                field="external_id",
            )
        try:
            values = _fields(record)
        except UserFacingError as error:
            raise InterchangeError(error.message, line=line, field=error.field) from None
        recipients = record.get("recipients") or {}
        member_ids = []
        for slug in recipients.get("members", []):
            if slug not in self.recipient_orgs or self.recipient_orgs[slug] == org_id:
                raise InterchangeError(
                    f"{slug!r}: {MEMBERS_ERROR}", line=line, field="recipients.members"
                )
            member_ids.append(self.recipient_orgs[slug])
        user_ids = []
        for name in recipients.get("users", []):
            if name not in self.recipient_users:
                raise InterchangeError(
                    f"{name!r}: {USERS_ERROR}", line=line, field="recipients.users"
                )
            user_ids.append(self.recipient_users[name])
        return _Prepared(line, record["external_id"], org_id, values, member_ids, user_ids)


def cases_import(
    *, actor: Actor, records: list[tuple[int, dict]], progress: Progress | None = None
) -> CaseImportReport:
    """Create or update cases by external_id, all in one transaction (or none).

    Rule: operators only (access model rule cases.case/import).
    """
    require_model(actor, Case, "import")
    resolver = _Resolver(records)
    prepared = [resolver.prepare(line, record) for line, record in records]
    report = CaseImportReport()
    with transaction.atomic():
        for item in prepared:
            outcome = _write(actor, item, resolver.existing.get(item.external_id))
            setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(1)
    return report


def _write(actor: Actor, item: _Prepared, case: Case | None) -> str:
    recipients = {"members": sorted(item.member_ids), "users": sorted(item.user_ids)}
    before = None
    if case is not None:
        before = snapshot(case)
        if {**before, **item.values, "recipients": recipients} == before:
            return "unchanged"
    else:
        now = timezone.now()
        case = Case(
            external_id=item.external_id,
            organisation_id=item.organisation_id,
            state=CaseState.PUBLISHED,
            submitted_at=now,
            published_at=now,
        )
    for field, value in item.values.items():
        setattr(case, field, value)
    case.occurred_year = int(case.occurred_on[:4])
    case.save()
    _replace_recipients(case, item.member_ids, item.user_ids)
    record_revision(case, actor, "import", before)
    embedding_refresh_later(case)
    return "created" if before is None else "updated"


def _replace_recipients(case: Case, member_ids: list[int], user_ids: list[int]) -> None:
    CaseRecipientOrganisation.objects.filter(case=case).exclude(
        organisation_id__in=member_ids
    ).delete()
    CaseRecipientUser.objects.filter(case=case).exclude(user_id__in=user_ids).delete()
    CaseRecipientOrganisation.objects.bulk_create(
        [CaseRecipientOrganisation(case=case, organisation_id=i) for i in member_ids],
        ignore_conflicts=True,
    )
    CaseRecipientUser.objects.bulk_create(
        [CaseRecipientUser(case=case, user_id=i) for i in user_ids], ignore_conflicts=True
    )


def import_cases_file(
    *, actor: Actor, name: str, data: bytes, progress: Progress | None = None, on_validated=None
) -> CaseImportReport:
    """Read and check the whole JSON Lines file, then import it (everything or nothing)."""
    require_model(actor, Case, "import")
    records = read_cases(decode_upload(data, name=name))
    if on_validated:
        on_validated(len(records))
    return cases_import(actor=actor, records=records, progress=progress)


# -- export ------------------------------------------------------------------------------


def case_export_columns() -> list[str]:
    return [*case_csv_columns(), *EXTRA_COLUMNS]


def _recipients_of_own(actor: Actor, cases: list[Case]) -> dict[int, dict[str, list[str]]]:
    """Recipients of the actor's own organisation's amber and red cases (no one else's:
    who else a report was shared with is the reporting organisation's business)."""
    own = [
        c.pk for c in cases if actor.organisation_id and c.organisation_id == actor.organisation_id
    ]
    out: dict[int, dict[str, list[str]]] = {}
    if not own:
        return out
    for case_id, slug in CaseRecipientOrganisation.objects.filter(case_id__in=own).values_list(
        "case_id", "organisation__slug"
    ):
        out.setdefault(case_id, {}).setdefault("members", []).append(slug)
    for case_id, username in CaseRecipientUser.objects.filter(case_id__in=own).values_list(
        "case_id", "user__username"
    ):
        out.setdefault(case_id, {}).setdefault("users", []).append(username)
    return out


def _member(item: dict, case: Case) -> str | None:
    reporter = item["reporter"]
    if reporter["organisation"]:
        return reporter["organisation"]["slug"]
    if not reporter["generalised"]:  # the public record: not a secret
        return case.organisation.slug
    return None


def case_record(item: dict, case: Case, recipients: dict | None, *, csv: bool = False) -> dict:
    """One INTERCHANGE.md case from a case_present dict ('' and empty lists left out)."""
    counterpart = item["counterpart"]
    record: dict[str, Any] = {
        "external_id": item["external_id"] or f"twinwise-case-{item['id']}",
        "member": _member(item, case),
        "title": item["title"],
        "occurred_on": item["occurred_on"]
        or (str(case.occurred_year) if case.occurred_year else None),
        "counterpart": {k: v for k, v in counterpart.items() if v} if counterpart else None,
        "case_type": item["case_type"],
        "topics": item["topics"],
        "channel": item["channel"],
        **{field: item[field] for field in TEXT},
        "response_type": item["response_type"],
        "language": item["language"],
        "tlp": item["tlp"],
        "anonymous": item["anonymous"],
        "recipients": recipients,
        "x-id": item["id"],
        "x-reporter": item["reporter"]["label"],
        # CSV cells hold lists as ';'-separated text: a ';' inside a link is escaped.
        "x-sources": [s["url"].replace(";", "%3B") for s in item["sources"] if s.get("url")]
        if csv
        else item["sources"],
        "x-confidence": item["confidence"],
    }
    return {k: v for k, v in record.items() if v not in ("", None, [], {})}


def case_records(*, actor: Actor, csv: bool = False) -> Iterator[dict]:
    """Every shared case `actor` may see, as INTERCHANGE.md records, in id order."""
    qs = case_queryset(actor=actor).filter(state=CaseState.PUBLISHED).order_by("pk")
    for chunk in batched(qs.iterator(chunk_size=CHUNK), CHUNK):
        items = case_present_many(actor=actor, cases=chunk)
        recipients = _recipients_of_own(actor, list(chunk))
        for item, case in zip(items, chunk, strict=True):
            yield case_record(item, case, recipients.get(case.pk), csv=csv)


def export_cases(*, actor: Actor, fmt: str, out: IO[str]) -> int:
    """Write what `actor` may see to `out` as CSV or JSON Lines; return how many."""
    check_format(fmt)
    records = case_records(actor=actor, csv=fmt == "csv")
    try:
        if fmt == "csv":
            return write_csv(records, out, case_export_columns())
        return write_jsonl(records, out)
    finally:
        records.close()
