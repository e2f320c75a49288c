"""Similar cases: ranking across languages, reasons, the access policy, bad input, the API,
the command, the pages and the background task — with the real model and database."""

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from tests.cases.pages_fixtures import actor, login_strong
from tests.similar.conftest import OPERATOR, TIBET_EN, publish, share
from twinwise.access.actors import Actor
from twinwise.cases import services
from twinwise.similar import index as index_module
from twinwise.similar.index import Query, Row, SimilarIndex
from twinwise.similar.models import CaseEmbedding
from twinwise.similar.selectors import case_similar_list
from twinwise.similar.services import embeddings_backfill, embeddings_compute

pytestmark = pytest.mark.django_db


def ids(results):
    return [r.id for r in results]


def test_the_same_demand_in_german_and_french_ranks_first_with_reasons(simnet):
    c = simnet["cases"]
    for key in ("de", "fr", "trade"):
        share(c[key], "green")
    results = case_similar_list(actor=actor(simnet["users"]["lukas"]), case=c["en"], k=5)
    assert set(ids(results[:2])) == {c["de"].pk, c["fr"].pk}
    assert ids(results)[2] == c["trade"].pk
    assert c["en"].pk not in ids(results)
    german = next(r for r in results if r.id == c["de"].pk)
    assert "another consulate" in german.why
    assert "topics: tibet" in german.why
    assert "response: declined" in german.why
    assert "a similar situation, written in German" in german.why
    assert results[0].score > results[2].score


def test_only_what_the_asker_may_see(simnet):
    c, users = simnet["cases"], simnet["users"]
    # Leipzig's German report stays amber-strict: Munich must never get it, nor a hint of it.
    share(c["fr"], "green")
    lukas = actor(users["lukas"])
    assert ids(case_similar_list(actor=lukas, case=c["en"], k=5)) == [c["fr"].pk]
    # The unverified office sees clear only; the anonymous visitor too.
    share(c["de"], "clear")
    assert ids(case_similar_list(actor=actor(users["sara"]), case=c["en"], k=5)) == [c["de"].pk]
    assert ids(case_similar_list(actor=Actor.anonymous(), text="Tibet film", k=5)) == [c["de"].pk]


def test_drafts_and_withdrawn_reports_are_not_experiences(simnet):
    c, users = simnet["cases"], simnet["users"]
    share(c["fr"], "green")
    services.case_withdraw(actor=actor(users["claire"]), case=c["fr"])
    draft = services.case_create(actor=actor(users["lukas"]), data={**TIBET_EN, "title": "Draft"})
    embeddings_compute(actor=OPERATOR, case_ids=[draft.pk])
    assert case_similar_list(actor=actor(users["lukas"]), case=c["en"], k=5) == []


def test_anonymous_reports_are_redacted(simnet):
    c = simnet["cases"]
    share(c["de"], "green", anonymous=True)
    [result] = case_similar_list(actor=actor(simnet["users"]["claire"]), case=c["fr"], k=1)
    assert result.item["reporter"]["generalised"]
    assert "Leipzig" not in result.item["reporter"]["label"]
    # Its own office still sees who reported it.
    share(c["en"], "green")
    own = case_similar_list(actor=actor(simnet["users"]["jonas"]), case=c["en"], k=5)
    assert not next(r for r in own if r.id == c["de"].pk).item["reporter"]["generalised"]


def test_near_duplicates_are_flagged(simnet):
    c = simnet["cases"]
    share(c["de"], "green")
    copy = publish(simnet["users"]["claire"], {**TIBET_EN, "title": TIBET_EN["title"] + "."})
    share(copy, "green")
    embeddings_compute(actor=OPERATOR, case_ids=[copy.pk])
    [first, *_] = case_similar_list(actor=actor(simnet["users"]["lukas"]), case=c["en"], k=3)
    assert first.id == copy.pk and first.duplicate
    assert first.why[0] == "nearly the same report"


@pytest.mark.parametrize("k", [0, 51, "x", "", -1])
def test_bad_k_names_the_field(simnet, k):
    from twinwise.core.errors import UserFacingError

    with pytest.raises(UserFacingError) as exc:
        case_similar_list(actor=Actor.anonymous(), text="Tibet", k=k)
    assert exc.value.field == "k"


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_empty_or_huge_text_names_the_field(db, text):
    from twinwise.core.errors import UserFacingError

    with pytest.raises(UserFacingError) as exc:
        case_similar_list(actor=Actor.anonymous(), text=text)
    assert exc.value.field == "text"


# -- the index ---------------------------------------------------------------------------------


def _rows(n, rng, start=1, stamp=1):
    vectors = rng.standard_normal((n, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [
        Row(start + i, vectors[i].astype("<f2").tobytes(), "", "", "", "", "", ("tibet",), stamp)
        for i in range(n)
    ], vectors


def test_index_patches_changed_rows_and_reduces_large_sets(monkeypatch):
    rng = np.random.default_rng(7)
    monkeypatch.setattr(index_module, "FULL_DIMS_LIMIT", 100)
    monkeypatch.setattr(index_module, "PCA_SAMPLE", 150)
    rows, vectors = _rows(300, rng)
    idx = SimilarIndex(1, ("tibet", "taiwan"))
    idx.load([rows[:150], rows[150:]], total=300)
    assert idx.reduced and idx.vectors.shape == (300, index_module.REDUCED_DIMS)
    best = idx.candidates(idx.scores(Query(vector=vectors[42])), 1)
    assert best.tolist() == [43]  # ids start at 1
    # A changed row is overwritten in place; a new one is appended (ids stay sorted).
    changed, new_vectors = _rows(1, rng, start=43, stamp=2)
    extra, _ = _rows(1, rng, start=1000, stamp=2)
    idx.apply(changed + extra)
    assert len(idx) == 301 and idx.watermark == 2
    top = idx.candidates(idx.scores(Query(vector=new_vectors[0])), 1, exclude=np.array([1000]))
    assert top.tolist() == [43]
    among = idx.candidates(idx.scores(Query(vector=vectors[0])), 2, among=np.array([5, 6]))
    assert sorted(among.tolist()) == [5, 6]


def test_the_index_follows_writes(simnet):
    c, lukas = simnet["cases"], actor(simnet["users"]["lukas"])
    share(c["de"], "green")
    assert ids(case_similar_list(actor=lukas, case=c["en"], k=5)) == [c["de"].pk]
    share(c["trade"], "green")
    embeddings_compute(actor=OPERATOR, case_ids=[c["trade"].pk])  # bumps the version
    assert ids(case_similar_list(actor=lukas, case=c["en"], k=5)) == [c["de"].pk, c["trade"].pk]


# -- the background task, the backfill -----------------------------------------------------------


def test_saving_a_case_queues_its_embedding(simnet, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = publish(
            simnet["users"]["lukas"], {**TIBET_EN, "title": "Another letter"}, tlp="green"
        )
    row = CaseEmbedding.objects.get(case=case)
    assert len(bytes(row.vector)) == 1024 and row.model == "use-multilingual-v3"
    before = row.updated_at
    with django_capture_on_commit_callbacks(execute=True):
        draft = services.case_create(actor=actor(simnet["users"]["lukas"]), data={"title": "x"})
        services.case_update(
            actor=actor(simnet["users"]["lukas"]), case=draft, data={"summary": "Tibet"}
        )
    # A draft's autosaves embed nothing: its text is embedded when it is submitted.
    assert not CaseEmbedding.objects.filter(case=draft).exists()
    assert CaseEmbedding.objects.get(case=case).updated_at == before


def test_backfill_embeds_what_is_missing_and_only_operators_may(simnet):
    from twinwise.access.policy import PermissionDenied

    CaseEmbedding.objects.filter(case=simnet["cases"]["trade"]).delete()
    report = embeddings_backfill(actor=OPERATOR)
    assert (report.cases, report.computed) == (1, 1)
    assert embeddings_backfill(actor=OPERATOR, everything=True).computed == 0  # text unchanged
    with pytest.raises(PermissionDenied):
        embeddings_backfill(actor=actor(simnet["users"]["anna"]))


# -- the API -----------------------------------------------------------------------------------------


def test_api_answers_the_interchange_shape(simnet):
    c = simnet["cases"]
    for key in ("en", "de"):
        share(c[key], "clear")
    body = Client().get(f"/api/v1/cases/{c['en'].pk}/similar?k=2").json()
    assert body["query"] == {"id": c["en"].pk, "external_id": None}
    [result] = body["results"]
    assert set(result) == {"id", "external_id", "title", "score", "why"}
    assert result["id"] == c["de"].pk and 0 < result["score"] <= 1


def test_api_404_for_unknown_and_invisible_and_400_for_bad_k(simnet):
    c = simnet["cases"]
    client = Client()
    invisible = client.get(f"/api/v1/cases/{c['en'].pk}/similar")
    unknown = client.get("/api/v1/cases/999999/similar")
    assert invisible.status_code == unknown.status_code == 404
    assert invisible.json() == unknown.json()
    bad = client.get(f"/api/v1/cases/{c['en'].pk}/similar?k=500")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "k"
    assert client.get(f"/api/v1/cases/{c['en'].pk}/similar?q=1").json()["error"]["field"] == "q"
    member = login_strong(Client(), simnet["users"]["lukas"])
    assert member.get(f"/api/v1/cases/{c['en'].pk}/similar").status_code == 200


# -- the command ---------------------------------------------------------------------------------------


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("similar", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_command_json_and_text(simnet):
    c = simnet["cases"]
    share(c["fr"], "green")
    code, out, _ = run(str(c["en"].pk), "--format", "json", "--as", "lukas.bauer")
    assert code == 0
    assert json.loads(out)["results"][0]["id"] == c["fr"].pk
    code, out, _ = run(
        "--text", "Le consulat veut annuler un film sur le Tibet", "--as", "lukas.bauer"
    )
    assert code == 0 and f"[{c['fr'].pk}]" in out and "topics" not in out


@pytest.mark.parametrize(
    "args",
    [
        ("999999",),
        ("--k", "0", "--text", "Tibet"),
        ("--text", ""),
        (),
        ("1", "--format", "xml"),
        ("1", "--as", "nobody"),
    ],
)
def test_command_bad_input_exits_2_with_one_line(simnet, args):
    code, _, err = run(*args)
    assert code == 2
    assert err.startswith("twinwise: error: ") and err.strip().count("\n") == 0


def test_command_never_finds_an_invisible_case(simnet):
    code, _, err = run(str(simnet["cases"]["en"].pk))  # amber-strict, asked anonymously
    assert code == 2 and "no case" in err


def test_command_backfill(simnet):
    CaseEmbedding.objects.all().delete()
    code, out, _ = run("--backfill")
    assert code == 0 and "4 embeddings computed" in out


# -- the pages -----------------------------------------------------------------------------------------


def test_panel_fragment_and_page(simnet):
    c = simnet["cases"]
    share(c["de"], "green")
    client = login_strong(Client(), simnet["users"]["lukas"])
    page = client.get(f"/cases/{c['en'].pk}/")
    assert f'hx-get="/cases/{c["en"].pk}/similar/"' in page.content.decode()
    fragment = client.get(f"/cases/{c['en'].pk}/similar/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    assert c["de"].title in html and "a similar situation, written in German" in html
    assert client.get(f"/cases/{c['en'].pk}/similar/").content.decode().count("<html") == 1
    # Someone who may not see the report gets the same 404 as for one that does not exist.
    other = login_strong(Client(), simnet["users"]["claire"])
    assert other.get(f"/cases/{c['en'].pk}/similar/").status_code == 404
    assert other.get("/cases/999999/similar/").status_code == 404


def test_draft_hint(simnet):
    c = simnet["cases"]
    share(c["fr"], "green")
    client = login_strong(Client(), simnet["users"]["lukas"])
    url = "/cases/form/similar/"
    quiet = client.post(url, {"title": "Tibet"})
    assert quiet.status_code == 200 and quiet.content.decode().strip() == ""
    hint = client.post(
        url, {**{k: v for k, v in TIBET_EN.items() if k != "topics"}, "topics": ["tibet"]}
    )
    assert hint.status_code == 200
    assert "Others reported something like this" in hint.content.decode()
    assert c["fr"].title.replace("'", "&#x27;") in hint.content.decode()
    huge = client.post(url, {"title": "Tibet", "summary": "x" * 20_001})
    assert huge.status_code == 400 and "limit" in huge.content.decode()
    bad = client.post(
        url, {"title": "Tibet film screening cancelled by consulate", "case_type": "nope"}
    )
    assert bad.status_code == 400
    assert Client().post(url, {"title": "x"}).status_code in (302, 403)


def test_an_asker_who_sees_few_of_the_best_gets_candidates_from_the_policy(simnet, monkeypatch):
    """Widening: when the best proposals are all invisible, the visible ids come from
    `visible()` itself — and still only those."""
    from twinwise.similar import selectors

    c = simnet["cases"]
    share(c["trade"], "clear")  # the least similar report is the only one a visitor sees
    monkeypatch.setattr(selectors, "STAGES", (1, 2))
    found = case_similar_list(actor=Actor.anonymous(), text=TIBET_EN["summary"], k=5)
    assert ids(found) == [c["trade"].pk]
