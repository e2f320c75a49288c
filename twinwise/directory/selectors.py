"""Reads of countries and places (public reference data, no access rule needed)."""

from django.db.models import Q, QuerySet

from .models import Counterpart, Country, Place
from .resolution import normalise_name

MAX_TEXT_MATCHES = 5000


def place_ids_matching(text: str) -> tuple[list[int], list[str]]:
    """Places and countries whose names (any spelling or script) contain `text`.

    The registry's text search runs over names, not prose: a person types a city as they
    know it — "Praha", "Xi'an", "上海" — and `search_text` holds every known name, folded
    the same way as the query. Returns (place ids, country codes).
    """
    needle = normalise_name(text)
    if not needle:
        return [], []
    place_ids = list(
        Place.objects.filter(search_text__contains=needle).values_list("id", flat=True)[
            :MAX_TEXT_MATCHES
        ]
    )
    countries = [
        c.iso2
        for c in Country.objects.all().only("iso2", "name")
        if needle in normalise_name(c.name)
    ]
    return place_ids, countries


def place_get(*, pk: int) -> Place:
    return Place.objects.select_related("country").get(pk=pk)


def countries() -> QuerySet[Country]:
    return Country.objects.all()


def search_text_for(name: str, alt_names: str, names_zh: str) -> str:
    """The normalised, |-joined names a place is found by."""
    names = [name, *alt_names.split("|"), *names_zh.split("|")]
    return (
        "|" + "|".join(dict.fromkeys(n for n in (normalise_name(x) for x in names if x) if n)) + "|"
    )


def largest_places(*, country: str, n: int, kind: str = "city") -> list[Place]:
    """The n most populous places of a kind in a country (GeoNames population)."""
    return list(
        Place.objects.filter(country_id=country, kind=kind).order_by("-population", "name")[:n]
    )


# -- counterparts (public reference data; their reports are read through the policy) -----

# Kinds whose seat is the Chinese city or province they govern: their ties are the place's.
PLACE_GOVERNMENT_KINDS = ("city", "province", "foreign-affairs-office")


def counterpart_get(*, pk: int) -> Counterpart:
    return Counterpart.objects.select_related("country", "place__country", "parent").get(pk=pk)


def counterpart_related(counterpart: Counterpart) -> list[Counterpart]:
    """A city and its FAO, an embassy and its consulates: parent, children and the other
    government bodies of the same Chinese city or province."""
    q = Q(pk=counterpart.parent_id) | Q(parent_id=counterpart.pk)
    if counterpart.place_id and counterpart.kind in PLACE_GOVERNMENT_KINDS:
        q |= Q(place_id=counterpart.place_id, kind__in=PLACE_GOVERNMENT_KINDS)
    return list(Counterpart.objects.filter(q).exclude(pk=counterpart.pk).order_by("kind", "name"))


def counterpart_partnerships(*, actor, counterpart: Counterpart):
    """The partnerships `actor` may see of a counterpart: its city's or province's ties for a
    local government body seated in China, else the ties that name the body itself."""
    from twinwise.access.policy import visible
    from twinwise.partnerships.models import Partnership

    place = counterpart.place
    if (
        place is not None
        and counterpart.kind in PLACE_GOVERNMENT_KINDS
        and place.country.china_side
    ):
        q = Q(local=place) | Q(counterpart=place)
    else:
        q = Q(counterpart_org=counterpart)
    return (
        visible(actor, Partnership.objects.filter(q))
        .select_related("local__country", "counterpart__country", "counterpart_org")
        .order_by("signed_year", "local__name")
    )


def counterparts_of_place(place: Place) -> list[Counterpart]:
    """The Chinese government bodies seated in a place (for its page's link to their profiles)."""
    return list(
        Counterpart.objects.filter(place=place, kind__in=PLACE_GOVERNMENT_KINDS).order_by(
            "kind", "name"
        )
    )
