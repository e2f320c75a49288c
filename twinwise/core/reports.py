"""What an import or load did, counted the same way by every importer."""

from dataclasses import dataclass


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    places_created: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged
