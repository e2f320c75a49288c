"""The access matrix: TAXONOMY.md "sharing levels" (TLP 2.0) made executable.

Each row is a record of the persona world (tests/world.py), each column a persona. A cell
says what that persona may do with that record, one letter per permission, "." where not.
The main table is about cases:

    v  view          (everything else requires it: an invisible case is a 404)
    e  edit          (the author, while the case is a draft or was returned)
    c  comment       (members, on published cases they can see)
    m  moderate      (moderators, on green and clear cases waiting for them)
    r  see reporter  (who reported it: hidden for anonymous cases outside the author's city)

The rules the table spells out:
- TLP:RED: the author, the users the author names, the admins of the author's organisation.
  AMBER+STRICT: the author's organisation. AMBER: it and the organisations it names.
  GREEN: every verified member. CLEAR: everyone, anonymous visitors included.
- Moderators and operators get no extra sight of red or amber content.
- An unverified organisation does not see green (except its own cases).
- A member without a second factor sees only what the public sees (clear, published) —
  not even their own drafts.
- A draft is its author's alone. A withdrawn case disappears for everyone outside the
  author's organisation (red: the author and the organisation's admins). Green and clear
  cases waiting for a moderator, or returned by one, are visible to the author's
  organisation and to moderators.

Two smaller tables below cover withdrawing and the audit trail, and people, invitations,
registry ties and the children of cases.
"""

import pytest

from twinwise.access.policy import can, visible

pytestmark = pytest.mark.django_db

COLUMNS = {
    "anon": "anonymous",
    "no2fa": "lyon_author_no2fa",
    "outsd": "outsider",
    "oper": "operator",
    "moder": "moderator",
    "lyAdm": "lyon_admin",
    "lyAut": "lyon_author",
    "lyOff": "lyon_officer",
    "muAdm": "munich_admin",
    "muOff": "munich_officer",
    "muOf2": "munich_officer2",
    "goAdm": "gothenburg_admin",
    "goOff": "gothenburg_officer",
    "unver": "unverified_officer",
}

# Lyon's cases are by lyAut; amber ones are shared with Munich, red ones with muOff.
# Gothenburg's anonymous cases are by gothenburg_author; amber shared with Lyon, red with lyOff.
MATRIX = """
case                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
lyon_red_draft              ..... ..... ..... ..... ..... ..... ve..r ..... ..... ..... ..... ..... ..... .....
lyon_red_pending            ..... ..... ..... ..... ..... v...r v...r ..... ..... ..... ..... ..... ..... .....
lyon_red_published          ..... ..... ..... ..... ..... v.c.r v.c.r ..... ..... v.c.r ..... ..... ..... .....
lyon_red_withdrawn          ..... ..... ..... ..... ..... v...r v...r ..... ..... ..... ..... ..... ..... .....
lyon_amber_strict_published ..... ..... ..... ..... ..... v.c.r v.c.r v.c.r ..... ..... ..... ..... ..... .....
lyon_amber_pending          ..... ..... ..... ..... ..... v...r v...r v...r ..... ..... ..... ..... ..... .....
lyon_amber_published        ..... ..... ..... ..... ..... v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r ..... ..... .....
lyon_amber_withdrawn        ..... ..... ..... ..... ..... v...r v...r v...r ..... ..... ..... ..... ..... .....
lyon_green_draft            ..... ..... ..... ..... ..... ..... ve..r ..... ..... ..... ..... ..... ..... .....
lyon_green_pending          ..... ..... ..... ..... v..mr v...r v...r v...r ..... ..... ..... ..... ..... .....
lyon_green_returned         ..... ..... ..... ..... v...r v...r ve..r v...r ..... ..... ..... ..... ..... .....
lyon_green_published        ..... ..... ..... ..... ..... v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r .....
lyon_green_withdrawn        ..... ..... ..... ..... ..... v...r v...r v...r ..... ..... ..... ..... ..... .....
lyon_clear_draft            ..... ..... ..... ..... ..... ..... ve..r ..... ..... ..... ..... ..... ..... .....
lyon_clear_pending          ..... ..... ..... ..... v..mr v...r v...r v...r ..... ..... ..... ..... ..... .....
lyon_clear_returned         ..... ..... ..... ..... v...r v...r ve..r v...r ..... ..... ..... ..... ..... .....
lyon_clear_published        v...r v...r v...r v...r v...r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r
lyon_clear_withdrawn        ..... ..... ..... ..... ..... v...r v...r v...r ..... ..... ..... ..... ..... .....
gothenburg_anon_red         ..... ..... ..... ..... ..... ..... ..... v.c.. ..... ..... ..... v.c.r ..... .....
gothenburg_anon_amber       ..... ..... ..... ..... ..... v.c.. v.c.. v.c.. ..... ..... ..... v.c.r v.c.r .....
gothenburg_anon_green       ..... ..... ..... ..... ..... v.c.. v.c.. v.c.. v.c.. v.c.. v.c.. v.c.r v.c.r .....
gothenburg_anon_clear       v.... v.... v.... v.... v.... v.c.. v.c.. v.c.. v.c.. v.c.. v.c.. v.c.r v.c.r v.c..
unverified_green            ..... ..... ..... ..... ..... v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r
unverified_clear            v...r v...r v...r v...r v...r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r
public_record               v...r v...r v...r v...r v...r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r v.c.r
"""

PERMISSIONS = (
    ("v", "view"),
    ("e", "edit"),
    ("c", "comment"),
    ("m", "moderate"),
    ("r", "see_reporter"),
)


def parse(table: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = (line.split() for line in table.strip().splitlines())
    return header[1:], rows


KINDS = {
    "user": "users",
    "invitation": "invitations",
    "audit": "audit_events",
    "tie": "partnerships",
    "source": "sources",
    "comment": "comments",
    "attachment": "attachments",
    "revision": "revisions",
}


def record(world, name: str):
    """A row's record: a case by its key, anything else as kind:key (user:lyon_admin)."""
    kind, _, key = name.rpartition(":")
    return getattr(world, KINDS[kind])[key] if kind else world.cases[name]


def allowed(actor, model, action: str) -> set[int]:
    """The ids of the `model` records `actor` may `action` (one query; test_consistency
    proves that this is exactly what `can()` answers record by record)."""
    return set(visible(actor, model.objects.all(), action).values_list("pk", flat=True))


def table(world, spec: str, permissions) -> tuple[list[str], list[str]]:
    """The expected and the actual table, rendered the same way."""
    header, expected = parse(spec)
    records = {name: record(world, name) for name, *_ in expected}
    sets = {
        (column, model, action): allowed(world.actors[COLUMNS[column]], model, action)
        for column in header
        for model in {type(obj) for obj in records.values()}
        for _, action in permissions
    }

    def cell(column: str, obj) -> str:
        return "".join(
            letter if obj.pk in sets[column, type(obj), action] else "."
            for letter, action in permissions
        )

    actual = [[name, *(cell(column, obj) for column in header)] for name, obj in records.items()]
    return render(header, expected), render(header, actual)


def render(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows as aligned text, so a failure shows the differing lines of the table."""
    width = max(len(row[0]) for row in rows)
    return [" ".join([row[0].ljust(width), *row[1:]]) for row in [["record", *header], *rows]]


def test_table_is_well_formed():
    header, rows = parse(MATRIX)
    assert header == list(COLUMNS)
    for row in rows:
        assert len(row) == len(header) + 1, row[0]
        for value in row[1:]:
            assert len(value) == len(PERMISSIONS), row[0]
            assert all(
                got in {letter, "."} for got, (letter, _) in zip(value, PERMISSIONS, strict=True)
            )


def test_access_matrix(persona_world):
    expected, actual = table(persona_world, MATRIX, PERMISSIONS)
    assert actual == expected


def test_every_case_of_the_world_is_in_reach_of_its_author(persona_world):
    """Sanity of the world itself: each case is visible to someone of its organisation."""
    for name, case in persona_world.cases.items():
        admin = f"{case.organisation.slug}_admin"
        author = case.author.username if case.author else None
        seers = [persona_world.actors[p] for p in (admin, author) if p in persona_world.actors]
        assert case.organisation.is_public_record or any(can(a, "view", case) for a in seers), name


WITHDRAW_AND_AUDIT = """
case                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
lyon_red_draft              ..    ..    ..    ..    ..    .a    ..    ..    ..    ..    ..    ..    ..    ..
lyon_red_published          ..    ..    ..    ..    ..    wa    w.    ..    ..    ..    ..    ..    ..    ..
lyon_amber_strict_returned  ..    ..    ..    ..    ..    wa    w.    ..    ..    ..    ..    ..    ..    ..
lyon_green_pending          ..    ..    ..    ..    ..    wa    w.    ..    ..    ..    ..    ..    ..    ..
lyon_clear_published        ..    ..    ..    ..    ..    wa    w.    ..    ..    ..    ..    ..    ..    ..
lyon_clear_withdrawn        ..    ..    ..    ..    ..    .a    ..    ..    ..    ..    ..    ..    ..    ..
gothenburg_anon_amber       ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    wa    ..    ..
"""


def test_withdraw_and_audit(persona_world):
    """w: withdraw (the author, or an admin of its organisation, once submitted);
    a: read the case's audit trail (its organisation's admins)."""
    expected, actual = table(persona_world, WITHDRAW_AND_AUDIT, (("w", "withdraw"), ("a", "audit")))
    assert actual == expected


PEOPLE_AND_RECORDS = """
record                        anon  no2fa outsd oper  moder lyAdm lyAut lyOff muAdm muOff muOf2 goAdm goOff unver
user:lyon_admin               ..    ..    ..    ..    ..    vm    v.    v.    ..    ..    ..    ..    ..    ..
user:lyon_officer             ..    ..    ..    ..    ..    vm    v.    v.    ..    ..    ..    ..    ..    ..
user:munich_officer           ..    ..    ..    ..    ..    ..    ..    ..    vm    v.    v.    ..    ..    ..
user:unverified_officer       ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    v.
user:moderator                ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..
invitation:lyon               ..    ..    ..    ..    ..    v.    ..    ..    ..    ..    ..    ..    ..    ..
audit:lyon                    ..    ..    ..    ..    ..    v.    ..    ..    ..    ..    ..    ..    ..    ..
audit:munich                  ..    ..    ..    ..    ..    ..    ..    ..    v.    ..    ..    ..    ..    ..
tie:clear                     v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.
tie:amber                     ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..
source:clear                  v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.    v.
source:amber                  ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..    ..
comment:lyon_red_published    ..    ..    ..    ..    ..    v.    v.    ..    ..    v.    ..    ..    ..    ..
attachment:lyon_green_pending ..    ..    ..    ..    v.    v.    v.    v.    ..    ..    ..    ..    ..    ..
revision:lyon_clear_draft     ..    ..    ..    ..    ..    ..    v.    ..    ..    ..    ..    ..    ..    ..
"""


def test_people_and_other_records(persona_world):
    """v: view; m: manage (change roles, deactivate). An action without a rule is refused.

    Members (with two factors) see their own organisation's people; its admins manage them
    and see its invitations and audit trail. Registry ties have no owner yet: TLP:CLEAR ones
    are public, the rest invisible. Comments, attachments and history follow their case.
    """
    expected, actual = table(persona_world, PEOPLE_AND_RECORDS, (("v", "view"), ("m", "manage")))
    assert actual == expected
