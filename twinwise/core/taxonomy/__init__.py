"""The taxonomies of TAXONOMY.md, kept as data: one JSON file per taxonomy in this package.

Each file is a JSON list of ``{"id", "label", "help"}`` objects in the order of TAXONOMY.md.
Ids are stable machine ids; labels and help texts are plain English strings that callers
translate (``gettext(label(...))``). Pure Python: no Django import here.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from types import MappingProxyType
from typing import Any

NAMES: tuple[str, ...] = (
    "counterpart_kinds",
    "partnership_kinds",
    "partnership_domains",
    "partnership_statuses",
    "case_types",
    "topics",
    "channels",
    "response_types",
    "tlp_levels",
    "finding_categories",
)
"""Every taxonomy, by the name of its file (without ``.json``)."""


@functools.cache
def entries(name: str) -> tuple[MappingProxyType[str, Any], ...]:
    """All entries of taxonomy ``name`` as read-only ``{"id", "label", "help"}`` mappings, in order."""
    if name not in NAMES:
        raise KeyError(f"unknown taxonomy {name!r}; taxonomies are {', '.join(NAMES)}")
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return tuple(MappingProxyType(dict(entry)) for entry in json.loads(text))


@functools.cache
def _labels(name: str) -> MappingProxyType[str, str]:
    return MappingProxyType({entry["id"]: entry["label"] for entry in entries(name)})


@functools.cache
def ids(name: str) -> tuple[str, ...]:
    """The ids of taxonomy ``name`` in their documented order."""
    return tuple(entry["id"] for entry in entries(name))


def label(name: str, id: str) -> str:
    """The English label of ``id`` in taxonomy ``name`` (KeyError for an unknown id)."""
    try:
        return _labels(name)[id]
    except KeyError:
        raise KeyError(f"{id!r} is not an id of taxonomy {name!r}") from None


def help_text(name: str, id: str) -> str:
    """The one-sentence English explanation of ``id`` in taxonomy ``name``."""
    for entry in entries(name):
        if entry["id"] == id:
            return entry["help"]
    raise KeyError(f"{id!r} is not an id of taxonomy {name!r}")


def choices(name: str) -> list[tuple[str, str]]:
    """``[(id, label), …]`` for form fields and model choices (a new list on every call)."""
    return [(entry["id"], entry["label"]) for entry in entries(name)]
