"""The groups responses are broken down by: country, world region and population band."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from twinwise.accounts.models import Organisation

# (upper limit, id, label), smallest first; the last band has no upper limit.
POPULATION_BANDS = (
    (100_000, "under-100k", _("under 100,000")),
    (500_000, "100k-500k", _("100,000–500,000")),
    (1_000_000, "500k-1m", _("500,000–1 million")),
    (None, "over-1m", _("over 1 million")),
)
BAND_LABELS = {band: label for _limit, band, label in POPULATION_BANDS}
BAND_ORDER = [band for _limit, band, _label in POPULATION_BANDS]


@dataclass(frozen=True)
class Segment:
    country: str | None
    region: str
    band: str


def population_of(organisation: Organisation) -> int:
    """The organisation's city's inhabitants (its own figure, else the directory's)."""
    if organisation.population:
        return organisation.population
    place = organisation.place if organisation.place_id else None
    return place.population if place is not None else 0


def population_band(population: int) -> str:
    if not population:
        return ""
    for limit, band, _label in POPULATION_BANDS:
        if limit is None or population < limit:
            return band
    return ""  # pragma: no cover - the last band has no limit


def segment_of(organisation: Organisation) -> Segment:
    country = organisation.country
    return Segment(
        country=organisation.country_id,
        region=country.region if country is not None else "",
        band=population_band(population_of(organisation)),
    )
