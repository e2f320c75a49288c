"""The benchmark's query mixes: one deterministic list, spoken three ways.

Each mix is a set of registry filters (twinwise's facet names) or a text search. The same
mix becomes
- a twinwise API path: `/api/v1/partnerships?page_size=20&counterpart=5427`,
- a Datasette path on the flat table: `/twinwise/registry_flat.json?_facet=…&counterpart_id=5427`,
- SQL WHERE clauses for the raw-SQL floor (flat table and normalised tables).

The values (which cities, countries, provinces) are read from the generated database, so
the list is realistic for any N and identical across runs with the same seed. The list is
interleaved by category (no filter, city, country+kind, status, decade, combined), so any
prefix of it — a time-capped run of a slow server — has the same composition as the whole.

Every mix has the registry's default scope (ties with a Chinese-side counterpart), which
in Datasette terms is `side__not=none`. Text search (`q=`) exists in twinwise only and is
kept in its own category, measured and reported apart.
"""

import sqlite3
from dataclasses import dataclass
from itertools import zip_longest
from urllib.parse import urlencode

PAGE_SIZE = 20
# twinwise facet → registry_flat column (and the Datasette facet of the same meaning).
FLAT_COLUMN = {
    "side": "side",
    "counterpart": "counterpart_id",
    "province": "province",
    "country": "local_country",
    "region": "region",
    "kind": "kind",
    "status": "status",
    "decade": "decade",
}
DATASETTE_FACETS = tuple(FLAT_COLUMN.values())
TEXT = "text"
TEXT_SEARCHES = ("shanghai", "上海", "praha", "berg", "xi'an", "chengdu", "san", "hamburg")


@dataclass(frozen=True)
class Mix:
    category: str
    label: str
    filters: tuple[tuple[str, str], ...] = ()  # (twinwise facet, value)
    q: str = ""

    @property
    def is_text(self) -> bool:
        return self.category == TEXT


def build(db_path) -> list[Mix]:
    """The deterministic mix list for the database at `db_path` (read-only)."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return _interleave(_common(db)) + [Mix(TEXT, f"q={q}", q=q) for q in TEXT_SEARCHES]
    finally:
        db.close()


def _top(db, sql: str, n: int) -> list:
    return [row[0] for row in db.execute(sql).fetchmany(n)]


def _common(db) -> dict[str, list[Mix]]:
    china = "side != 'none'"
    counterparts = _top(
        db,
        f"SELECT counterpart_id FROM registry_flat WHERE {china} "
        "GROUP BY counterpart_id ORDER BY COUNT(*) DESC, counterpart_id",
        400,
    )
    # Big, middling and small cities; plus the largest Hong Kong/Macau and Taiwan ones.
    ranks = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256]
    cities = [counterparts[r] for r in ranks if r < len(counterparts)]
    for side in ("sar", "taiwan"):
        cities += _top(
            db,
            f"SELECT counterpart_id FROM registry_flat WHERE side = '{side}' "
            "GROUP BY counterpart_id ORDER BY COUNT(*) DESC, counterpart_id",
            1,
        )
    countries = _top(
        db,
        f"SELECT local_country FROM registry_flat WHERE {china} "
        "GROUP BY local_country ORDER BY COUNT(*) DESC, local_country",
        10,
    )
    provinces = _top(
        db,
        f"SELECT province FROM registry_flat WHERE {china} AND province != '' "
        "GROUP BY province ORDER BY COUNT(*) DESC, province",
        3,
    )
    kinds = ("sister-city", "friendship-city", "memorandum-of-understanding")
    return {
        "none": [Mix("none", "no filter") for _ in range(6)],
        "city": [Mix("city", f"counterpart={c}", (("counterpart", str(c)),)) for c in cities],
        "country+kind": [
            Mix("country+kind", f"{c} {kinds[i % 3]}", (("country", c), ("kind", kinds[i % 3])))
            for i, c in enumerate(countries)
        ],
        "status": [
            Mix("status", f"status={s}", (("status", s),))
            for s in ("ended", "active", "dormant", "suspended")
        ],
        "decade": [
            Mix("decade", f"decade={d}", (("decade", d),))
            for d in ("1980", "1990", "2000", "2010", "2020", "unknown")
        ],
        "combined": [
            *(
                Mix("combined", f"{p} 2000s", (("province", p), ("decade", "2000")))
                for p in provinces
            ),
            Mix("combined", "north-america active", (("region", "north-america"), ("status", "active"))),
            Mix("combined", "DE 1990s sister", (("country", countries[0] if countries else "DE"), ("decade", "1990"), ("kind", "sister-city"))),
        ],
    }  # fmt: skip


def _interleave(groups: dict[str, list[Mix]]) -> list[Mix]:
    out: list[Mix] = []
    for row in zip_longest(*groups.values()):
        out.extend(m for m in row if m is not None)
    return out


def twinwise_path(mix: Mix) -> str:
    params = [("page_size", str(PAGE_SIZE)), *mix.filters]
    if mix.q:
        params.append(("q", mix.q))
    return "/api/v1/partnerships?" + urlencode(params)


def datasette_path(mix: Mix, database: str) -> str:
    if mix.is_text:
        raise ValueError("Datasette has no equivalent of the registry's name search")
    params = [("_facet", f) for f in DATASETTE_FACETS]
    params += [("_size", str(PAGE_SIZE)), ("_sort", "counterpart_name"), ("side__not", "none")]
    params += [(FLAT_COLUMN[facet], value) for facet, value in mix.filters]
    return f"/{database}/registry_flat.json?" + urlencode(params)


def sql_where(mix: Mix) -> tuple[str, list]:
    """WHERE clause over registry_flat's columns (also valid on the normalised CTE)."""
    if mix.is_text:
        raise ValueError("the raw-SQL floor covers the facet mixes only")
    clauses, params = ["side != 'none'"], []
    for facet, value in mix.filters:
        column = FLAT_COLUMN[facet]
        clauses.append(f"{column} = ?")
        params.append(int(value) if column == "counterpart_id" else value)
    return " AND ".join(clauses), params
