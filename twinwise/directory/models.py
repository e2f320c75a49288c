"""Countries, places and Chinese-side counterpart organisations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from twinwise.core.models import TimeStampedModel

from .resolution import normalise_name


class Region(models.TextChoices):
    EUROPE = "europe", _("Europe")
    NORTH_AMERICA = "north-america", _("North America")
    LATIN_AMERICA = "latin-america", _("Latin America and the Caribbean")
    ASIA = "asia", _("Asia")
    AFRICA = "africa", _("Africa")
    OCEANIA = "oceania", _("Oceania")


class ChinaSide(models.TextChoices):
    """Which Chinese-side jurisdiction a country code stands for (kept apart on purpose)."""

    NONE = "", _("Not Chinese")
    MAINLAND = "mainland", _("People's Republic of China")
    SAR = "sar", _("Hong Kong or Macau (SAR)")
    TAIWAN = "taiwan", _("Taiwan")


class Country(models.Model):
    iso2 = models.CharField(max_length=2, primary_key=True)
    iso3 = models.CharField(max_length=3, blank=True)
    iso_numeric = models.PositiveSmallIntegerField(null=True, blank=True)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=20, choices=Region.choices)
    china_side = models.CharField(max_length=10, choices=ChinaSide.choices, blank=True, default="")
    population = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return self.name

    @property
    def is_chinese_side(self) -> bool:
        return bool(self.china_side)


class PlaceKind(models.TextChoices):
    CITY = "city", _("City or town")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province or state")
    REGION = "region", _("Region")


class Place(TimeStampedModel):
    """A city, district or province; GeoNames-based, with Latin and Chinese names."""

    name = models.CharField(max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="places")
    kind = models.CharField(max_length=10, choices=PlaceKind.choices, default=PlaceKind.CITY)
    admin1_code = models.CharField(max_length=20, blank=True)
    # Province (first-level division) name; filled for Chinese places, used by the registry facet.
    province = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    population = models.PositiveBigIntegerField(default=0)
    geonameid = models.PositiveIntegerField(null=True, blank=True, unique=True)
    wikidata = models.CharField(max_length=20, blank=True, db_index=True)
    alt_names = models.TextField(
        blank=True, help_text="Latin-script alternative names, |-separated"
    )
    names_zh = models.TextField(blank=True, help_text="Chinese-character names, |-separated")
    # Every name, normalised and |-joined: what the registry search matches against.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name_zh(self) -> str:
        return self.names_zh.split("|", 1)[0] if self.names_zh else ""


class Counterpart(TimeStampedModel):
    """A Chinese-side organisation: FAO, embassy, consulate, CPAFFC, company, university, …"""

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=30)  # counterpart kinds from core/taxonomy
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="counterparts")
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="counterparts"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    alt_names = models.TextField(
        blank=True, help_text="Alternative names (English, Chinese, local spellings), |-separated"
    )
    wikidata = models.CharField(max_length=20, blank=True)
    # Every name, normalised and |-joined (kept by save()): what dedup and lookups match.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "country", "name"], name="counterpart_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_text = counterpart_search_text(self.name, self.alt_names)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def alt_name_list(self) -> list[str]:
        return [n for n in self.alt_names.split("|") if n.strip() and n != self.name]


def counterpart_search_text(name: str, alt_names: str) -> str:
    """'|name|alt 1|…|', each normalised (accents, apostrophes, case and scripts folded)."""
    names = (normalise_name(n) for n in [name, *alt_names.split("|")] if n.strip())
    return "|" + "|".join(dict.fromkeys(n for n in names if n)) + "|"
