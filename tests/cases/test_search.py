"""Finding reports: the access rule inside every count, facets that agree with the list,
the withheld country of anonymous reports, full text in German and French (FTS5 on SQLite,
PostgreSQL full-text search), the list page and its query count."""

import pytest
from django.db import connection

from tests.cases.search_world import search_world_fixture  # noqa: F401
from twinwise.access.actors import Actor
from twinwise.access.policy import visible
from twinwise.accounts.models import Organisation
from twinwise.cases.models import Case
from twinwise.cases.search import (
    FACETS,
    WITHHELD,
    CaseQuery,
    case_count,
    case_search,
    fts5_expression,
    parse_case_query,
    search_words,
    tsquery_expression,
)
from twinwise.core.errors import UserFacingError

pytestmark = [pytest.mark.django_db]

PERSONAS = (
    "anonymous",
    "outsider",
    "operator",
    "moderator",
    "lyon_admin",
    "lyon_author",
    "lyon_officer",
    "lyon_author_no2fa",
    "munich_admin",
    "munich_officer",
    "gothenburg_admin",
    "gothenburg_author",
    "unverified_officer",
)
MODES = ({}, {"mine": "1"}, {"q": "consulat"}, {"q": "world case"})


def search(world, persona, **params):
    return case_search(actor=world.actors[persona], query=parse_case_query(params))


def ids(page):
    return {row["id"] for row in page.rows}


def all_ids(world, persona, **params):
    """Every id of a search, across its pages."""
    query = parse_case_query(params)
    query = CaseQuery(q=query.q, mine=query.mine, values=query.values, page_size=500)
    return ids(case_search(actor=world.actors[persona], query=query, with_facets=False))


# -- access inside the search -------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("params", MODES, ids=str)
def test_results_and_counts_hold_only_visible_reports(search_world, persona, params):
    actor = search_world.actors[persona]
    allowed = set(visible(actor, Case.objects.all()).values_list("pk", flat=True))
    page = search(search_world, persona, **params)
    found = all_ids(search_world, persona, **params)
    assert found <= allowed
    assert page.total == len(found)
    for facet, values in page.facets.items():
        total = sum(v.count for v in values)
        if facet in ("tlp", "year", "state"):  # every report has exactly one value
            assert total == page.total, facet
        elif facet not in ("topic", "counterpart"):  # at most one value per report
            assert total <= page.total, facet


@pytest.mark.parametrize(
    "persona",
    (
        "anonymous",
        "moderator",
        "lyon_author",
        "munich_officer",
        "gothenburg_admin",
        "unverified_officer",
    ),
)
def test_facet_counts_equal_list_counts(search_world, persona):
    """Choosing a value lists exactly as many reports as its count said — for every value
    of every facet, alone and on top of other filters (counts are disjunctive: a facet's
    counts ignore its own selection)."""
    for base in ({}, {"mine": "1"}, {"case_type": "demand"}, {"q": "consulat", "year": "2019"}):
        page = search(search_world, persona, **base)
        for facet, values in page.facets.items():
            for value in values:
                chosen = parse_case_query({**base, facet: value.value})
                count = case_count(actor=search_world.actors[persona], query=chosen)
                assert count == value.count, (persona, base, facet, value)


def test_a_red_report_is_invisible_to_everyone_else(search_world):
    secret = search_world.cases["lyon_secret"]
    may_see = {"lyon_author", "lyon_admin", "munich_officer"}
    for persona in PERSONAS:
        page = search(search_world, persona, q="zebrafinch")
        assert (secret.pk in ids(page)) == (persona in may_see), persona
        counterpart_names = {v.value for v in page.facets.get("counterpart", [])}
        assert ("Secret counterpart Zebrafinch" in counterpart_names) == (persona in may_see)
        everything = search(search_world, persona)
        names = {v.value for v in everything.facets["counterpart"]}
        assert ("Secret counterpart Zebrafinch" in names) == (persona in may_see), persona
        topics = {v.value: v.count for v in everything.facets["topic"]}
        if persona not in may_see:
            assert "xinjiang" not in topics, persona


def test_a_member_without_second_factor_sees_only_public_reports(search_world):
    weak = all_ids(search_world, "lyon_author_no2fa")
    assert weak == all_ids(search_world, "anonymous")
    assert search(search_world, "lyon_author_no2fa", mine="1").total == 0


# -- the reporter's country ---------------------------------------------------------------


def test_country_of_anonymous_reports_is_withheld_from_others(search_world):
    page = search(search_world, "lyon_author")
    countries = {v.value: v.count for v in page.facets["country"]}
    assert "SE" not in countries  # every Gothenburg report is anonymous
    gothenburg_seen = {
        c.pk for k, c in search_world.cases.items() if k.startswith("gothenburg")
    } & all_ids(search_world, "lyon_author")
    assert countries[WITHHELD] == len(gothenburg_seen) > 0
    assert search(search_world, "lyon_author", country="SE").total == 0
    assert search(search_world, "lyon_author", country=WITHHELD).total == len(gothenburg_seen)


def test_own_anonymous_reports_show_their_country_to_their_organisation(search_world):
    page = search(search_world, "gothenburg_author")
    countries = {v.value: v.count for v in page.facets["country"]}
    assert countries["SE"] >= 5
    assert WITHHELD not in countries
    assert search(search_world, "gothenburg_author", country="SE").total == countries["SE"]


def test_rows_are_redacted_by_case_present(search_world):
    page = search(search_world, "lyon_author", country=WITHHELD)
    assert page.rows
    for row in page.rows:
        assert row["reporter"]["generalised"] is True
        assert row["reporter"]["organisation"] is None
        assert "Gothenburg" not in row["reporter"]["label"]


# -- state and "mine" ---------------------------------------------------------------------


def test_list_holds_published_reports_and_mine_every_state(search_world):
    everything = search(search_world, "lyon_author")
    assert {r["state"] for r in everything.rows} == {"published"}
    assert "state" not in everything.facets
    mine = search(search_world, "lyon_author", mine="1")
    states = {v.value: v.count for v in mine.facets["state"]}
    assert set(states) == {"draft", "pending", "returned", "published", "withdrawn"}
    mine_ids = all_ids(search_world, "lyon_author", mine="1")
    assert set(
        Case.objects.filter(pk__in=mine_ids).values_list("organisation__slug", flat=True)
    ) == {"lyon"}
    drafts = search(search_world, "lyon_author", mine="1", state="draft")
    assert drafts.total == states["draft"]
    # Another officer of Lyon does not see lyon_author's drafts.
    assert search(search_world, "lyon_officer", mine="1", state="draft").total == 0


def test_anonymous_mine_is_empty(search_world):
    assert search(search_world, "anonymous", mine="1").total == 0


# -- full text ----------------------------------------------------------------------------


def test_words_are_letters_and_digits():
    assert search_words("Städte-Partnerschaft, l'État; lyon_red 2021") == [
        "städte",
        "partnerschaft",
        "l",
        "état",
        "lyon",
        "red",
        "2021",
    ]
    assert fts5_expression(["konsulat", "eu"]) == '"konsulat"* "eu"'
    assert tsquery_expression(["konsulat", "eu"]) == "'konsulat':* & 'eu'"
    assert search_words('"*) OR title:* NEAR(') == ["or", "title", "near"]


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("Städtepartnerschaft", "munich_film"),  # a German word in the response
        ("konsulat", "munich_film"),  # lower case finds Konsulat
        ("Vorführ", "munich_film"),  # the start of a word finds the word
        ("Filmvorführung", "munich_film"),
        ("Oberbürgermeister", "munich_film"),
        ("drapeau tibétain", "lyon_flag"),  # French, two words
        ("manifestations", "lyon_flag"),
        ("manifest", "lyon_flag"),  # prefix
        ("ministère", "lyon_flag"),
        ("München", "munich_film"),  # in the counterpart's name
    ],
)
def test_finds_words_in_german_and_french(search_world, q, key):
    assert search_world.cases[key].pk in ids(search(search_world, "lyon_author", q=q))


def test_every_word_must_match(search_world):
    assert search(search_world, "lyon_author", q="drapeau Filmvorführung").total == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 folds accents; 'simple' does not")
def test_sqlite_folds_accents(search_world):
    page = search(search_world, "lyon_author", q="stadtepartnerschaft ministere")
    assert page.total == 0  # the two words are in different reports
    assert search_world.cases["munich_film"].pk in ids(
        search(search_world, "lyon_author", q="stadtepartnerschaft")
    )


def test_title_hits_rank_first(search_world):
    page = search(search_world, "lyon_author", q="consulat")
    titles = [row["title"] for row in page.rows]
    # lyon_visit says "consulat" five times, but only in its text; lyon_flag has it in the title.
    assert titles.index(search_world.cases["lyon_flag"].title) < titles.index(
        search_world.cases["lyon_visit"].title
    )
    assert page.query.effective_sort == "relevance"
    newest = search(search_world, "lyon_author", q="consulat", sort="newest")
    assert newest.rows[0]["title"] == search_world.cases["lyon_visit"].title


def test_nothing_searchable_finds_nothing(search_world):
    assert search(search_world, "lyon_author", q="!!! ---").total == 0


def test_index_follows_inserts_updates_and_deletes(db):
    org = Organisation.objects.create(slug="fts-test", name="FTS test office", verified=True)
    case = Case.objects.create(
        organisation=org, title="Quetzal delegation", tlp="clear", state="published"
    )
    anonymous = Actor.anonymous()

    def found(word):
        query = parse_case_query({"q": word})
        return ids(case_search(actor=anonymous, query=query, with_facets=False))

    assert found("quetzal") == {case.pk}
    case.title = "Renamed delegation"
    case.save()
    assert found("quetzal") == set()
    Case.objects.filter(pk=case.pk).update(summary="Axolotl")
    assert found("axolotl") == {case.pk}
    assert found("renamed") == {case.pk}
    Case.objects.filter(pk=case.pk).delete()
    assert found("axolotl") == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_fts_triggers_exist_after_all_migrations(db):
    """A later migration that rebuilds cases_case on SQLite drops these triggers; it must
    create them again (see cases/migrations/0002_case_fts.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases_case'"
        )
        triggers = {row[0] for row in cursor.fetchall()}
    assert {"cases_case_fts_insert", "cases_case_fts_update", "cases_case_fts_delete"} <= triggers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_uses_the_gin_index(search_world):
    """The query's tsvector is the indexed expression (migration 0002), so the planner can use
    the GIN index instead of computing every vector."""
    from twinwise.cases.search import text_filter

    qs = text_filter(Case.objects.all(), "konsulat").values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cases_case_search_gin" in plan, plan


# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"topic": "bogus"}, "topic"),
        ({"case_type": "demand,nope"}, "case_type"),
        ({"counterpart_kind": "town"}, "counterpart_kind"),
        ({"response_type": "x"}, "response_type"),
        ({"tlp": "white"}, "tlp"),
        ({"state": "gone"}, "state"),
        ({"country": "Germany"}, "country"),
        ({"year": "21"}, "year"),
        ({"mine": "maybe"}, "mine"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_name_the_field(params, field):
    with pytest.raises(UserFacingError) as error:
        parse_case_query(params)
    assert error.value.field == field


def test_strict_rejects_unknown_parameters():
    with pytest.raises(UserFacingError) as error:
        parse_case_query({"topik": "tibet"}, strict=True)
    assert error.value.field == "topik"
    assert parse_case_query({"page_size": "5"}, strict=True, extra=("page_size",))


def test_parse_lists_and_defaults():
    query = parse_case_query({"topic": ["tibet,culture", "tibet"], "country": "de", "mine": "1"})
    assert query.selected("topic") == ("tibet", "culture")
    assert query.selected("country") == ("DE",)
    assert query.mine and query.effective_sort == "newest"
    names = parse_case_query({"counterpart": "Consulate General, Munich"})
    assert names.selected("counterpart") == ("Consulate General, Munich",)
    assert set(FACETS) <= set(parse_case_query({}).values)


# -- the page -----------------------------------------------------------------------------


def login(client, world, persona):
    client.force_login(world.users[persona])


@pytest.fixture
def strong(monkeypatch):
    """Treat every signed-in session as two-factor verified."""
    monkeypatch.setattr("twinwise.access.actors.is_strongly_authenticated", lambda request: True)


def test_page_for_a_visitor(search_world, client):
    response = client.get("/cases/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Experience reports" in html
    assert search_world.cases["lyon_flag"].title in html
    assert search_world.cases["munich_film"].title not in html  # green
    assert 'name="mine"' not in html


def test_page_for_a_member(search_world, client, strong):
    login(client, search_world, "lyon_author")
    response = client.get("/cases/", {"q": "Filmvorführung"})
    html = response.content.decode()
    assert search_world.cases["munich_film"].title in html
    assert 'name="mine"' in html
    response = client.get("/cases/", {"q": "zebrafinch"})
    assert search_world.cases["lyon_secret"].title in response.content.decode()


def test_page_never_shows_a_red_report_to_others(search_world, client, strong):
    login(client, search_world, "gothenburg_admin")
    for params in ({}, {"q": "zebrafinch"}, {"topic": "xinjiang"}, {"mine": "1"}):
        html = client.get("/cases/", params).content.decode()
        assert "Zebrafinch" not in html, params


def test_page_hides_the_country_of_anonymous_reports(search_world, client, strong):
    login(client, search_world, "lyon_author")
    html = client.get("/cases/").content.decode()
    assert "Sweden" not in html
    assert "Gothenburg" not in html
    assert "Not shown (anonymous reports)" in html


def test_htmx_gets_the_fragment(search_world, client):
    response = client.get("/cases/", {"topic": "tibet"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="registry-results"')
    assert "<html" not in html
    assert response["HX-Push-Url"] == "/cases/?topic=tibet"


def test_bad_parameter_is_a_400_page_naming_it(search_world, client):
    response = client.get("/cases/", {"tlp": "white"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "tlp" in html and "Who can see it" in html


def test_page_shows_facet_counts_that_match(search_world, client):
    html = client.get("/cases/", {"topic": "tibet"}).content.decode()
    assert "1 report" in html


def test_page_query_count_is_bounded(search_world, client, strong, django_assert_max_num_queries):
    login(client, search_world, "lyon_author")
    client.get("/cases/")  # sessions, user and the like warm up
    with django_assert_max_num_queries(20):
        response = client.get(
            "/cases/", {"q": "consulat", "topic": "tibet", "country": "FR", "mine": "1"}
        )
    assert response.status_code == 200


def test_search_query_count_is_bounded(search_world, django_assert_max_num_queries):
    actor = search_world.actors["lyon_author"]
    query = parse_case_query(
        {"q": "consulat", "topic": "tibet", "case_type": "demand", "year": "2019", "country": "FR"}
    )
    with django_assert_max_num_queries(14):
        case_search(actor=actor, query=query)


def test_every_facet_filter_keeps_the_access_rule(search_world):
    """Filtering never widens: every facet value's results stay inside visible()."""
    for persona in ("gothenburg_admin", "munich_officer"):
        actor = search_world.actors[persona]
        allowed = set(visible(actor, Case.objects.all()).values_list("pk", flat=True))
        page = search(search_world, persona)
        for facet, values in page.facets.items():
            for value in values:
                assert all_ids(search_world, persona, **{facet: value.value}) <= allowed


# -- the page's positions at scale (no database) ------------------------------------------


class _FakeSnapshot:
    def __init__(self, n: int, seed: int):
        import numpy as np

        rng = np.random.default_rng(seed)
        self.n = n
        self._order = {"newest": rng.permutation(n), "oldest": rng.permutation(n)}

    def order(self, name):
        return self._order[name]

    def rank(self, name):
        import numpy as np

        rank = np.empty(self.n, np.int64)
        rank[self._order[name]] = np.arange(self.n)
        return rank


@pytest.mark.parametrize("share", [0.0005, 0.01, 0.5, 1.0])
@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_page_positions_follow_the_order_whatever_the_share_of_matches(share, sort):
    """Few matches are sorted, many are found by walking the order: both give the page the
    plain definition gives."""
    import numpy as np

    from twinwise.cases import search

    snap = _FakeSnapshot(20_000, seed=int(share * 10_000))
    mask = np.random.default_rng(7).random(snap.n) < share
    total = int(mask.sum())
    req = type("Req", (), {"snap": snap, "text": None, "query": CaseQuery(sort=sort)})()
    for page in (1, 2, 5):
        offset = (page - 1) * 25
        expected = snap.order(sort)[mask[snap.order(sort)]][offset : offset + 25]
        got = search._page_positions(req, mask, total, offset, 25)
        assert list(got) == list(expected), (share, sort, page)


def test_too_many_matches_to_rank_are_listed_newest_first(search_world, monkeypatch):
    from twinwise.cases import search as engine

    ranked = search(search_world, "lyon_author", q="konsulat")
    assert not ranked.unranked
    monkeypatch.setattr(engine, "RANK_LIMIT", 0)
    engine.case_index().cache.clear()
    unranked = search(search_world, "lyon_author", q="konsulat")
    newest = search(search_world, "lyon_author", q="konsulat", sort="newest")
    assert unranked.unranked and unranked.total == ranked.total > 0
    assert [r["id"] for r in unranked.rows] == [r["id"] for r in newest.rows]
