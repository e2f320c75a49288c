"""`twinwise import partnerships|members|cases PATH [--create-places]`."""

from pathlib import Path

from tqdm import tqdm

from twinwise.access.actors import Actor
from twinwise.accounts.services import members_import_file
from twinwise.cases.interchange import import_cases_file
from twinwise.core.db import refresh_statistics
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.interchange.services import import_partnerships_file, read_file_bytes
from twinwise.surveys.services import responses_import

KINDS = ("partnerships", "members", "cases", "survey-responses")


class Command(TwinwiseCommand):
    help = (
        "Import an interchange file (INTERCHANGE.md). The whole file is validated first and "
        "written in one transaction: everything lands or nothing does."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="what the file holds")
        parser.add_argument(
            "path",
            type=Path,
            help="a .csv or .jsonl file (partnerships), a .json file (members), a .jsonl file (cases)",
        )
        parser.add_argument(
            "survey_path",
            nargs="?",
            type=Path,
            help="survey-responses SURVEY PATH: the .jsonl file of responses",
        )
        parser.add_argument("--year", type=int, help="survey-responses: the campaign's year")
        parser.add_argument(
            "--create-places",
            action="store_true",
            help="create places that cannot be resolved, from their name, country, population, lat and lon",
        )

    def run(self, *args, kind, path, create_places, survey_path=None, year=None, **options):
        if kind == "survey-responses":
            return self._survey_responses(str(path), survey_path, year)
        data = read_file_bytes(path)
        if kind == "members":
            return self._members(path, data, create_places)
        if kind == "cases":
            return self._cases(path, data)
        bar = tqdm(
            unit=" records", desc="Importing", disable=None, leave=False, file=self.stderr._out
        )
        with bar:
            report = import_partnerships_file(
                actor=Actor.operator(),
                name=path.name,
                data=data,
                create_places=create_places,
                progress=bar.update,
                on_validated=lambda n: setattr(bar, "total", n),
            )
        refresh_statistics()
        self.stdout.write(
            f"{report.total} partnerships: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.places_created} places created"
        )

    def _members(self, path: Path, data: bytes, create_places: bool) -> None:
        report = members_import_file(
            actor=Actor.operator(), name=path.name, data=data, create_places=create_places
        )
        self.stdout.write(
            f"{report.total} members: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.places_created} places created"
        )

    def _cases(self, path: Path, data: bytes) -> None:
        bar = tqdm(
            unit=" cases", desc="Importing", disable=None, leave=False, file=self.stderr._out
        )
        with bar:
            report = import_cases_file(
                actor=Actor.operator(),
                name=path.name,
                data=data,
                progress=bar.update,
                on_validated=lambda n: setattr(bar, "total", n),
            )
        refresh_statistics()
        self.stdout.write(
            f"{report.total} cases: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )

    def _survey_responses(self, survey: str, path: Path | None, year: int | None) -> None:
        if path is None:
            raise UserFacingError("usage: twinwise import survey-responses SURVEY PATH")
        report = responses_import(
            actor=Actor.operator(), survey_slug=survey, data=read_file_bytes(path), year=year
        )
        self.stdout.write(f"{report.total} responses to {survey} submitted")
