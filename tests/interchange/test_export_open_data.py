"""/open-data/: the page and its downloads (everything TLP:CLEAR)."""

import sqlite3

import pytest

from tests import factories
from twinwise.core.versioning import bump
from twinwise.interchange import exporters
from twinwise.interchange.readers import read_partnerships

PUBLIC = 11  # TLP:CLEAR ties in the shared small world


@pytest.fixture
def open_world(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # exports go to DATA_DIR/exports
    places = world["places"]
    world["ties"]["lyon_shanghai_green"] = factories.partnership(
        places["lyon"], places["shanghai"], tlp="green"
    )
    return world


def download(client, name: str) -> bytes:
    response = client.get(f"/open-data/{name}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    return b"".join(response.streaming_content)


def test_page_says_what_is_published_with_links_and_licence(client, open_world):
    response = client.get("/open-data/")
    assert response.status_code == 200
    html = response.content.decode()
    for link in (
        "/open-data/partnerships.csv",
        "/open-data/partnerships.jsonl",
        "/open-data/twinwise-open-data.sqlite",
    ):
        assert f'href="{link}"' in html
    assert f"<dd>{PUBLIC}" in html
    for credit in (
        "CC BY-SA 4.0",
        "CC BY 4.0",
        "CC0",
        "GeoNames",
        "Wikipedia contributors",
        "TLP:CLEAR",
    ):
        assert credit in html
    assert "<time datetime=" in html
    assert 'lang="' in html and "<h1>" in html


@pytest.mark.parametrize(
    ("name", "fmt"), [("partnerships.csv", "csv"), ("partnerships.jsonl", "jsonl")]
)
def test_text_downloads_round_trip_through_the_readers(client, open_world, name, fmt):
    records = read_partnerships(download(client, name).decode("utf-8"), fmt)
    assert len(records) == PUBLIC
    assert all(record["tlp"] == "clear" for _line, record in records)


def test_sqlite_download_opens_and_has_the_same_count(client, open_world, tmp_path):
    path = tmp_path / "download.sqlite"
    path.write_bytes(download(client, "twinwise-open-data.sqlite"))
    db = sqlite3.connect(path)
    try:
        tables = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert tables == {"partnerships", "places", "countries", "sources", "metadata"}
        assert db.execute("SELECT count(*) FROM partnerships").fetchone()[0] == PUBLIC
        metadata = dict(db.execute("SELECT key, value FROM metadata"))
        assert "CC BY-SA 4.0" in metadata["licence"] and metadata["partnerships"] == str(PUBLIC)
        # Every partnership's places are in the places table.
        orphans = db.execute(
            "SELECT count(*) FROM partnerships p LEFT JOIN places l ON l.id = p.local_id WHERE l.id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        status, name_zh = db.execute(
            "SELECT p.status, c.name_zh FROM partnerships p JOIN places c ON c.id = p.counterpart_id "
            "WHERE p.local_name = 'Prague' AND p.counterpart_name = 'Beijing'"
        ).fetchone()
        assert (status, name_zh) == ("ended", "北京")
        assert db.execute("SELECT url FROM sources").fetchall() == [("https://example.org/prague",)]
    finally:
        db.close()


def test_each_file_is_built_once_per_data_version(client, open_world, monkeypatch):
    builds = []
    build = exporters._build
    monkeypatch.setattr(
        exporters, "_build", lambda *args: builds.append(args[0].name) or build(*args)
    )
    first = download(client, "partnerships.csv")
    assert download(client, "partnerships.csv") == first
    assert builds == ["partnerships.csv"]
    places = open_world["places"]
    factories.partnership(places["lyon"], places["wuhan"])  # a write bumps the data version
    assert download(client, "partnerships.csv") != first
    assert builds == ["partnerships.csv", "partnerships.csv"]
    files = sorted(p.name for p in exporters.exports_dir().iterdir())
    assert len(files) == 1 and files[0].startswith("partnerships-")  # the old version is gone


def test_conditional_requests_use_the_data_version(client, open_world):
    etag = client.get("/open-data/partnerships.jsonl")["ETag"]
    assert (
        client.get("/open-data/partnerships.jsonl", headers={"if-none-match": etag}).status_code
        == 304
    )
    bump("partnerships")
    assert (
        client.get("/open-data/partnerships.jsonl", headers={"if-none-match": etag}).status_code
        == 200
    )


def test_only_known_files_are_served(client, open_world):
    assert client.get("/open-data/partnerships.xlsx").status_code == 404
    assert client.get("/open-data/../settings.py").status_code == 404
