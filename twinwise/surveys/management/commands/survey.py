"""`twinwise survey results SLUG [--year Y] --format json|csv`: a campaign's results."""

import json

from django.http import Http404

from twinwise.access.actors import Actor
from twinwise.core.errors import UserFacingError
from twinwise.core.management.base import TwinwiseCommand
from twinwise.surveys.exports import results_csv
from twinwise.surveys.selectors import campaign_for_year, results_json, survey_get


class Command(TwinwiseCommand):
    help = "Print a survey campaign's results (counts, percentages, means) as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("results",))
        parser.add_argument("survey", help="the survey's id, e.g. directors-poll")
        parser.add_argument("--year", type=int, help="the campaign's year (default: the latest)")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def run(self, *args, action, survey, year, format, **options):
        try:
            self.results(survey, year, format)
        except Http404:
            raise UserFacingError(f"there is no survey {survey!r}") from None

    def results(self, survey: str, year: int | None, format: str) -> None:
        actor = Actor.operator()
        if format == "csv":
            campaign = campaign_for_year(
                actor=actor, survey=survey_get(actor=actor, slug=survey), year=year
            )
            self.stdout.write(results_csv(actor=actor, campaign=campaign), ending="")
            return
        data = results_json(actor=actor, slug=survey, year=year)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
