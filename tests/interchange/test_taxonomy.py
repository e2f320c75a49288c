import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from twinwise.core import taxonomy

# The ids of TAXONOMY.md, in its order. Ids never change once released, so they are pinned.
EXPECTED = {
    "counterpart_kinds": "city province foreign-affairs-office embassy consulate "
    "friendship-association united-front company university confucius-institute media other",
    "partnership_kinds": "sister-city friendship-city memorandum-of-understanding "
    "cooperation-agreement network-membership project-agreement other",
    "partnership_domains": "culture investment-trade general-bilateral tourism academic "
    "science-technology climate health other",
    "partnership_statuses": "proposed active dormant suspended ended",
    "case_types": "demand complaint threat endorsement-request offer partnership-change "
    "retaliation surveillance positive-cooperation other",
    "topics": "taiwan tibet xinjiang hong-kong tiananmen falun-gong dalai-lama human-rights "
    "political-prisoners civil-society diaspora academic-freedom belt-and-road covid-19 "
    "trade-investment technology-security media culture education other",
    "channels": "letter email phone meeting social-media via-partner-city via-third-party other",
    "response_types": "declined complied partly-complied ignored escalated-national negotiated "
    "pending other",
    "tlp_levels": "red amber-strict amber green clear",
    "finding_categories": "political-recognition core-interests third-party-restrictions "
    "political-endorsement confidentiality data-transfer exclusivity governing-law-disputes "
    "termination-lock-in financial-obligations united-front-actors media-publicity-control "
    "critical-sectors academic-freedom",
}


def test_every_taxonomy_has_one_file_and_nothing_else():
    files = {
        entry.name.removesuffix(".json")
        for entry in resources.files("twinwise.core.taxonomy").iterdir()
        if entry.name.endswith(".json")
    }
    assert files == set(taxonomy.NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", taxonomy.NAMES)
def test_ids_are_those_of_taxonomy_md_in_order(name):
    assert taxonomy.ids(name) == tuple(EXPECTED[name].split())


@pytest.mark.parametrize("name", taxonomy.NAMES)
def test_entries_have_a_label_and_one_plain_sentence_of_help(name):
    raw = json.loads(
        resources.files("twinwise.core.taxonomy").joinpath(f"{name}.json").read_text("utf-8")
    )
    for entry in raw:
        assert set(entry) == {"id", "label", "help"}
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry["id"])
        assert entry["label"].strip() == entry["label"] != ""
        assert entry["help"][0].isupper() and entry["help"].endswith(".")
        assert ". " not in entry["help"], "help must be one sentence"
    labels = [entry["label"] for entry in raw]
    assert len(set(labels)) == len(labels)


def test_labels_and_choices():
    assert taxonomy.label("partnership_kinds", "sister-city") == "Sister city"
    assert taxonomy.label("partnership_kinds", "memorandum-of-understanding") == (
        "Memorandum of understanding"
    )
    assert taxonomy.choices("tlp_levels") == [
        ("red", "TLP:RED"),
        ("amber-strict", "TLP:AMBER+STRICT"),
        ("amber", "TLP:AMBER"),
        ("green", "TLP:GREEN"),
        ("clear", "TLP:CLEAR"),
    ]
    assert taxonomy.help_text("partnership_statuses", "ended").startswith("The partnership")
    # choices hands out a fresh list; the cached data cannot be changed through it
    taxonomy.choices("channels").clear()
    assert len(taxonomy.choices("channels")) == 8


def test_unknown_names_and_ids_are_key_errors():
    with pytest.raises(KeyError, match="unknown taxonomy"):
        taxonomy.ids("../../etc/passwd")
    with pytest.raises(KeyError, match="'town' is not an id of taxonomy 'counterpart_kinds'"):
        taxonomy.label("counterpart_kinds", "town")
    with pytest.raises(KeyError):
        taxonomy.help_text("counterpart_kinds", "town")


def test_taxonomy_and_interchange_do_not_import_django():
    code = (
        "import sys, twinwise.core.taxonomy, twinwise.interchange.readers, "
        "twinwise.interchange.writers; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
