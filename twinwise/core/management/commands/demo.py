"""`twinwise demo`: load the bundled real public data (and, later, a demo network)."""

import time

from tqdm import tqdm

from twinwise.core.management.base import TwinwiseCommand
from twinwise.directory.services import countries_load, places_load_geonames
from twinwise.partnerships.bundled import registry_load_bundled


class Command(TwinwiseCommand):
    help = "Load the bundled public data: countries, GeoNames places and the partnership registry."

    def run(self, *args, **options):
        started = time.monotonic()
        self.stdout.write("Loading countries and places (GeoNames, CC BY 4.0)…")
        countries = countries_load()
        places = places_load_geonames()
        self.stdout.write(f"  {countries} countries, {places} new places")
        self.stdout.write(
            "Loading the partnership registry (Wikidata CC0, Wikipedia CC BY-SA 4.0)…"
        )
        with tqdm(total=34100, unit=" rows", disable=None, leave=False) as bar:
            report = registry_load_bundled(progress=bar.update)
        self.stdout.write(
            f"  {report.created} partnerships created, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.places_created} places added from the sources"
        )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s."))
