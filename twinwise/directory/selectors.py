"""Reads of countries and places (public reference data, no access rule needed)."""

from django.db.models import QuerySet

from .models import Country, Place
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
