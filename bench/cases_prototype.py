"""What-if, not application code: the case list's work as vectorised masks (ADR 0005's way).

    python bench/cases_prototype.py                 # on bench/out/cases-data (1M cases)

Loads the columns the case list filters, counts and sorts on into numpy arrays once, then
times, for the same member and anonymous actors as `cases_bench.py`, the access rule of
`twinwise.access.rules.case_levels_q` as a boolean mask, the default "published" filter,
the facet counts (topics, case type, counterpart kind, year, reporter country with
"withheld", response type, tlp, top-25 counterparts) and the first page of 25 ids in the
default order — plus, for text, the FTS5 match with its bm25 ranks in one query, intersected
with the mask. Not disjunctive (one filter set per query), no rows rendered, no labels: it
shows how far from 100 ms the data-parallel core is, not a finished design.
"""

import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases_bench import pct
from generate_cases import data_dir

TLP = ("clear", "green", "amber", "amber-strict", "red")
STATES = ("published", "draft", "pending", "returned", "withdrawn")


def load(db: sqlite3.Connection) -> dict:
    t = time.perf_counter()
    rows = db.execute(
        "SELECT id, organisation_id, author_id, tlp, state, anonymous, case_type,"
        " counterpart_kind, response_type, COALESCE(occurred_year, 0), occurred_on, topics,"
        " counterpart_name FROM cases_case ORDER BY id"
    ).fetchall()
    cols = list(zip(*rows, strict=True))
    del rows

    def codes(values):
        uniq, inv = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        return uniq, inv.astype(np.int32)

    topic_list = sorted({t for js in set(cols[11]) for t in json.loads(js)})
    bit = {t: 1 << i for i, t in enumerate(topic_list)}
    topic_mask_by_json = {js: sum(bit[t] for t in json.loads(js)) for js in set(cols[11])}
    index = {
        "n": len(cols[0]),
        "id": np.asarray(cols[0], np.int64),
        "org": np.asarray(cols[1], np.int32),
        "author": np.asarray(cols[2], np.int32),
        "tlp": np.asarray([TLP.index(v) for v in cols[3]], np.int8),
        "state": np.asarray([STATES.index(v) for v in cols[4]], np.int8),
        "anonymous": np.asarray(cols[5], bool),
        "case_type": codes(cols[6]),
        "counterpart_kind": codes(cols[7]),
        "response_type": codes(cols[8]),
        "year": np.asarray(cols[9], np.int16),
        "topics": np.asarray([topic_mask_by_json[js] for js in cols[11]], np.uint32),
        "topic_list": topic_list,
        "counterpart": codes(cols[12]),
    }
    # Default order: year known first, newest year, occurred_on, id — all descending.
    order = np.lexsort(
        (-index["id"], -np.asarray(codes(cols[10])[1]), -index["year"], index["year"] == 0)
    )
    index["order"] = order
    orgs = dict(db.execute("SELECT id, country_id FROM accounts_organisation").fetchall())
    country_names, country_codes = codes([orgs[i] or "" for i in range(1, max(orgs) + 1)])
    index["org_country"] = np.concatenate([[0], country_codes]).astype(np.int32)
    index["countries"] = country_names
    index["recipient_org"] = db.execute(
        "SELECT organisation_id, case_id FROM cases_caserecipientorganisation"
    ).fetchall()
    index["recipient_user"] = db.execute(
        "SELECT user_id, case_id FROM cases_caserecipientuser"
    ).fetchall()
    ro = np.asarray(index["recipient_org"], np.int64)
    ru = np.asarray(index["recipient_user"], np.int64)
    index["ro"] = ro[np.argsort(ro[:, 0], kind="stable")]
    index["ru"] = ru[np.argsort(ru[:, 0], kind="stable")]
    index["load_s"] = time.perf_counter() - t
    return index


def _recipients(pairs: np.ndarray, key: int) -> np.ndarray:
    lo, hi = np.searchsorted(pairs[:, 0], [key, key + 1])
    return pairs[lo:hi, 1] - 1  # case ids → positions (ids are 1..n)


def visible(ix: dict, actor: dict | None) -> np.ndarray:
    """case_levels_q as a mask (no moderator branch)."""
    tlp, state = ix["tlp"], ix["state"]
    published = state == 0
    mask = published & (tlp == 0)
    if actor is None:
        return mask
    org, user = actor["org"], actor["user"]
    own = ix["org"] == org
    not_draft = state != 1
    mask |= (state == 1) & (ix["author"] == user) & own
    mask |= own & (tlp <= 3) & not_draft
    mask |= (tlp == 4) & (ix["author"] == user) & own & not_draft
    red_for_me = np.zeros(ix["n"], bool)
    red_for_me[_recipients(ix["ru"], user)] = True
    mask |= red_for_me & published & (tlp == 4)
    if actor["admin"]:
        mask |= (tlp == 4) & own & not_draft
    amber_for_us = np.zeros(ix["n"], bool)
    amber_for_us[_recipients(ix["ro"], org)] = True
    mask |= amber_for_us & published & (tlp == 2)
    if actor["verified"]:
        mask |= published & (tlp == 1)
    return mask


def facets_and_page(ix: dict, mask: np.ndarray, actor: dict | None) -> dict:
    counts = {}
    for name in ("case_type", "counterpart_kind", "response_type"):
        labels, codes = ix[name]
        counts[name] = np.bincount(codes[mask], minlength=len(labels))
    counts["tlp"] = np.bincount(ix["tlp"][mask], minlength=5)
    counts["year"] = np.bincount(ix["year"][mask].astype(np.int32) - 0, minlength=1)
    topics = ix["topics"][mask]
    counts["topic"] = [
        int(np.count_nonzero(topics & np.uint32(1 << i))) for i in range(len(ix["topic_list"]))
    ]
    country = ix["org_country"][ix["org"][mask]]
    shown = ~ix["anonymous"][mask]
    if actor is not None:
        shown |= ix["org"][mask] == actor["org"]
    counts["country"] = np.bincount(country[shown], minlength=len(ix["countries"]))
    counts["withheld"] = int(np.count_nonzero(~shown))
    cp = np.bincount(ix["counterpart"][1][mask], minlength=len(ix["counterpart"][0]))
    counts["counterpart"] = np.argsort(-cp, kind="stable")[:25]
    page = ix["order"][np.flatnonzero(mask[ix["order"]])[:25]]
    return {"total": int(np.count_nonzero(mask)), "page": page, "counts": counts}


def text_ids(db: sqlite3.Connection, q: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = db.execute(
        "SELECT rowid, bm25(cases_case_fts, 10.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0)"
        " FROM cases_case_fts WHERE cases_case_fts MATCH ?",
        (q,),
    ).fetchall()
    hit = np.zeros(n, bool)
    score = np.zeros(n, np.float64)
    if rows:
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows)) - 1
        hit[ids] = True
        score[ids] = [r[1] for r in rows]
    return hit, score


def main() -> int:
    path = data_dir() / "twinwise.sqlite3"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    ix = load(db)
    print(f"load: {ix['load_s']:.1f} s for {ix['n']:,} cases")
    # The same member as cases_bench.member_user(): an officer of the verified organisation
    # with the median number of own cases.
    orgs = db.execute(
        "SELECT o.id, COUNT(c.id) AS n FROM accounts_organisation o"
        " LEFT JOIN cases_case c ON c.organisation_id = o.id WHERE o.verified"
        " GROUP BY o.id ORDER BY n, o.id"
    ).fetchall()
    org = orgs[len(orgs) // 2][0]
    member = {"org": org, "user": (org - 1) * 3 + 2, "admin": False, "verified": True}
    topic_bit = np.uint32(1 << ix["topic_list"].index("tibet"))
    culture_bit = np.uint32(1 << ix["topic_list"].index("culture"))
    ct = list(ix["case_type"][0]).index("demand")
    mixes = {
        "unfiltered list": lambda m: m,
        "one topic": lambda m: m & ((ix["topics"] & topic_bit) != 0),
        "case type + year": lambda m: m & (ix["case_type"][1] == ct) & (ix["year"] == 2024),
        'q="Konsulat"': lambda m: m & text_ids(db, '"konsulat"*', ix["n"])[0],
        'q="film" + topic': lambda m: (
            m & text_ids(db, '"film"*', ix["n"])[0] & ((ix["topics"] & culture_bit) != 0)
        ),
    }
    print(f"member: officer of organisation {org}")
    print("| actor | mix | matches | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for actor_name, actor in (("member", member), ("anonymous", None)):
        for mix_name, narrow in mixes.items():
            times = []
            for _ in range(30):
                t = time.perf_counter()
                mask = narrow(visible(ix, actor) & (ix["state"] == 0))
                result = facets_and_page(ix, mask, actor)
                times.append((time.perf_counter() - t) * 1000)
            print(
                f"| {actor_name} | {mix_name} | {result['total']:,} | {pct(times, 0.5):.1f} "
                f"| {pct(times, 0.95):.1f} |",
                flush=True,
            )
        if actor is not None:  # mine=1: the organisation's own visible cases, any state
            times = []
            for _ in range(30):
                t = time.perf_counter()
                mask = visible(ix, actor) & (ix["org"] == org)
                result = facets_and_page(ix, mask, actor)
                times.append((time.perf_counter() - t) * 1000)
            print(
                f"| {actor_name} | mine=1 | {result['total']:,} | {pct(times, 0.5):.1f} "
                f"| {pct(times, 0.95):.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
