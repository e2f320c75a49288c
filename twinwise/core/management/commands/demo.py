"""`twinwise demo`: load the bundled real public data, the public record and a demo network."""

import time

from tqdm import tqdm

from twinwise.access.actors import Actor
from twinwise.cases.public_record import public_record_load
from twinwise.core.db import refresh_statistics
from twinwise.core.demo_network import DemoLogin, demo_network_allowed, demo_network_create
from twinwise.core.management.base import TwinwiseCommand
from twinwise.directory.services import countries_load, places_load_geonames
from twinwise.partnerships.bundled import registry_load_bundled
from twinwise.similar.services import embeddings_backfill
from twinwise.surveys.demo import demo_poll_create

LOGIN_COLUMNS = ("username", "role", "organisation", "password", "TOTP secret")


class Command(TwinwiseCommand):
    help = (
        "Load the bundled public data (countries, GeoNames places, the partnership registry and "
        "the public record of documented cases) and, outside production, a demo network of "
        "member cities, users and cases; print the demo logins."
    )

    def run(self, *args, **options):
        started = time.monotonic()
        operator = Actor.operator("demo")
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
        self.stdout.write("Loading the public record (documented cases with their sources)…")
        record = public_record_load(actor=operator)
        self.stdout.write(
            f"  {record.created} cases created, {record.updated} updated, "
            f"{record.unchanged} unchanged; {record.with_partnership} linked to a partnership"
        )
        logins = self.demo_network(operator)
        self.stdout.write("Embedding the reports for “similar experiences” (offline model)…")
        embedded = embeddings_backfill(actor=operator)
        self.stdout.write(f"  {embedded.computed} reports embedded")
        refresh_statistics()
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f} s."))
        if logins:
            self.print_logins(logins)

    def demo_network(self, operator: Actor) -> list[DemoLogin]:
        if not demo_network_allowed():
            self.stdout.write(
                self.style.WARNING(
                    "Production settings: the demo network (demo members, users and cases) "
                    "was not created."
                )
            )
            return []
        self.stdout.write("Creating the demo network (demo members, users and cases)…")
        network = demo_network_create(actor=operator)
        self.stdout.write(
            f"  {network.organisations_created} organisations, {network.users_created} users "
            f"and {network.cases_created} cases created"
        )
        poll = demo_poll_create(actor=operator)
        self.stdout.write(
            f"  directors' poll: {poll.campaigns_created} campaigns opened, "
            f"{poll.responses_submitted} responses submitted"
        )
        return network.logins

    def print_logins(self, logins: list[DemoLogin]) -> None:
        rows = [LOGIN_COLUMNS] + [
            (x.username, x.role, x.organisation, x.password, x.totp_secret) for x in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(LOGIN_COLUMNS))]
        self.stdout.write(
            "\nDemo logins (demo data only; add the TOTP secret to an authenticator app):"
        )
        for n, row in enumerate(rows):
            self.stdout.write(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
