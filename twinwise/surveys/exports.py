"""Results as CSV and XLSX: one row per question and option (or statistic), from the same
figures as the page and the JSON. Only aggregates are exported, never single responses."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from twinwise.access.actors import Actor

from .models import Campaign
from .selectors import campaign_results, question_defs

COLUMNS = ("survey", "year", "question", "value", "count", "percent", "share_of_mentions")


def results_rows(*, actor: Actor, campaign: Campaign) -> list[tuple]:
    """(survey, year, question, value, count, percent, share of mentions) rows."""
    results = campaign_results(actor=actor, campaign=campaign)
    slug, year = campaign.survey.slug, campaign.year
    rows: list[tuple] = [(slug, year, "", "responses", results.responses, "", "")]
    if results.withheld:
        return rows
    for question in question_defs(campaign.survey):
        figures = results.questions[question.key]
        if "counts" in figures:
            share = figures.get("percent") or figures.get("share_of_respondents", {})
            mentions = figures.get("share_of_mentions", {})
            for value, count in figures["counts"].items():
                rows.append(
                    (
                        slug,
                        year,
                        question.key,
                        value,
                        count,
                        share.get(value),
                        mentions.get(value, ""),
                    )
                )
            if "mean" in figures:
                rows.append((slug, year, question.key, "mean", figures["mean"], "", ""))
        else:
            for statistic in ("n", "mean", "median"):
                if statistic in figures:
                    rows.append((slug, year, question.key, statistic, figures[statistic], "", ""))
    return rows


def results_csv(*, actor: Actor, campaign: Campaign) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in results_rows(actor=actor, campaign=campaign):
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()


def results_xlsx(*, actor: Actor, campaign: Campaign) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{campaign.survey.slug[:24]} {campaign.year}"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in results_rows(actor=actor, campaign=campaign):
        sheet.append(["" if cell is None else cell for cell in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
