"""Read-only figures built from other apps' selectors and visible records only."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from twinwise.access.actors import Actor
from twinwise.core import taxonomy
from twinwise.core.errors import UserFacingError
from twinwise.directory.models import Region
from twinwise.directory.selectors import largest_places
from twinwise.partnerships.selectors import partnership_counts_by_counterpart

GMF_PUBLISHED = {
    "partnerships": 119,
    "countries": 33,
    "year": 2021,
    "source": "German Marshall Fund of the United States (2021), survey of city directors of international affairs",
    "wording": (
        "the ten largest Chinese cities have an estimated 119 sister-city partnerships with "
        "cities in 33 European and North American countries"
    ),
}
COUNTED_STATUSES_EXCLUDED = ("ended",)


@dataclass(frozen=True)
class HeadlineQuery:
    n: int = 10
    regions: tuple[str, ...] = ("europe", "north-america")
    kinds: tuple[str, ...] = ("sister-city",)


def parse_headline_query(
    n: int | str | None, regions: str | None, kind: str | None
) -> HeadlineQuery:
    """Validate the figure's parameters; UserFacingError names the bad one."""
    try:
        n_value = int(n) if n not in (None, "") else 10
    except (TypeError, ValueError):
        raise UserFacingError(_("n must be a whole number from 1 to 100"), field="n") from None
    if not 1 <= n_value <= 100:
        raise UserFacingError(_("n must be a whole number from 1 to 100"), field="n")
    region_values = tuple(
        r.strip() for r in (regions or "europe,north-america").split(",") if r.strip()
    )
    known_regions = {r.value for r in Region}
    for region in region_values:
        if region not in known_regions:
            raise UserFacingError(
                _("%(value)r is not a region; use %(known)s")
                % {"value": region, "known": ", ".join(sorted(known_regions))},
                field="regions",
            )
    kind_values = tuple(k.strip() for k in (kind or "sister-city").split(",") if k.strip())
    known_kinds = set(taxonomy.ids("partnership_kinds"))
    for value in kind_values:
        if value not in known_kinds:
            raise UserFacingError(
                _("%(value)r is not a partnership kind; use %(known)s")
                % {"value": value, "known": ", ".join(sorted(known_kinds))},
                field="kind",
            )
    if not region_values:
        raise UserFacingError(_("name at least one region"), field="regions")
    if not kind_values:
        raise UserFacingError(_("name at least one kind"), field="kind")
    return HeadlineQuery(n=n_value, regions=region_values, kinds=kind_values)


def largest_counterparts(*, actor: Actor, query: HeadlineQuery) -> dict:
    """The GMF-style headline figure, computed from the partnerships `actor` may see."""
    cities = largest_places(country="CN", n=query.n)
    counts = partnership_counts_by_counterpart(
        actor=actor,
        counterparts=cities,
        kinds=query.kinds,
        regions=query.regions,
        exclude_statuses=COUNTED_STATUSES_EXCLUDED,
    )
    per_city = counts["per_counterpart"]
    return {
        "n": query.n,
        "regions": list(query.regions),
        "kind": list(query.kinds),
        "partnerships": counts["partnerships"],
        "countries": counts["countries"],
        "counterparts": [
            {
                "id": city.pk,
                "name": city.name,
                "name_zh": city.name_zh,
                "wikidata": city.wikidata or None,
                "population": city.population,
                "partnerships": per_city.get(city.pk, {}).get("partnerships", 0),
                "countries": per_city.get(city.pk, {}).get("countries", 0),
            }
            for city in cities
        ],
        "method": headline_method(query),
    }


def headline_method(query: HeadlineQuery) -> str:
    """The method in plain words, with the labels a reader knows rather than machine ids."""
    kinds = ", ".join(_(taxonomy.label("partnership_kinds", k)).lower() for k in query.kinds)
    regions = ", ".join(str(Region(r).label) for r in query.regions)
    return _(
        "We take the %(n)d Chinese cities with the most inhabitants, using the population of "
        "the city itself as GeoNames records it. A partnership counts when it is a "
        "%(kinds)s tie, the partner city is in %(regions)s, it is public, and no source says "
        "it has ended (ties whose state no source documents are counted). The partnerships "
        "come from Wikidata (its 'twinned administrative body' statements, 2017 and 2022 "
        "snapshots) and from Wikipedia's lists of twin towns and sister cities (2026), merged "
        "once both places are identified, with the endings reported in the press applied."
    ) % {"n": query.n, "kinds": kinds, "regions": regions}
