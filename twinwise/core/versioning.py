"""Data-version stamps that let in-process caches notice writes made elsewhere.

The stamp is random rather than a counter: with a counter, a write rolled back and a
different write committed afterwards could both produce "2" and a cache would serve the
rolled-back data (this happens in tests all the time, and after failed imports).
"""

import secrets

from .models import DataVersion


def bump(name: str) -> None:
    """Mark data set `name` as changed (call inside the writing transaction)."""
    stamp = secrets.randbits(62) + 1
    if not DataVersion.objects.filter(name=name).update(version=stamp):
        DataVersion.objects.create(name=name, version=stamp)


def current(name: str) -> int:
    """The current stamp of data set `name` (0 when it was never written)."""
    return DataVersion.objects.filter(name=name).values_list("version", flat=True).first() or 0
