"""A report as the review page shows it: each clause's text in pieces, the evidence of its
findings marked, the findings beside it. Works from the report alone (the same for a fresh
check and a saved draft): evidence is found again in its clause's text."""

import re
from dataclasses import dataclass, field

from twinwise.core import taxonomy

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Piece:
    text: str
    mark: str = ""  # severity of the marked finding, or ""
    finding_id: str = ""


@dataclass
class PresentedClause:
    index: int
    ref: str
    pieces: list[Piece]
    findings: list[dict] = field(default_factory=list)
    severities: str = ""  # space-separated, for the severity filter
    ref_in_text: bool = False  # the clause text starts with its heading: show the ref once


def locate(text: str, evidence: str) -> tuple[int, int] | None:
    """Where `evidence` (whitespace-normalised) is in `text`."""
    words = evidence.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def _pieces(text: str, spans: list[tuple[int, int, str, str]]) -> list[Piece]:
    pieces, at = [], 0
    for start, end, severity, fid in sorted(spans):
        if start < at:  # overlapping evidence: the first mark wins
            continue
        if start > at:
            pieces.append(Piece(text[at:start]))
        pieces.append(Piece(text[start:end], severity, fid))
        at = end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces


def _safer(language: str, category: str) -> tuple[str, ...]:
    from . import lexicon

    rules = lexicon.languages().get(language)
    if rules is None or category not in rules.categories:
        return ()
    return rules.categories[category].safer_wordings


def present(report: dict) -> list[PresentedClause]:
    out = []
    language = report["document"].get("language", "")
    for clause in report["clauses"]:
        spans, findings = [], []
        ordered = sorted(clause["findings"], key=lambda f: SEVERITY_ORDER[f["severity"]])
        for n, finding in enumerate(ordered):
            fid = f"finding-{clause['index']}-{n}"
            where = locate(clause["text"], finding["evidence"])
            if where:
                spans.append((*where, finding["severity"], fid))
            findings.append(
                {
                    **finding,
                    "id": fid,
                    "label": taxonomy.label("finding_categories", finding["category"]),
                    "safer_wordings": _safer(language, finding["category"]),
                }
            )
        out.append(
            PresentedClause(
                index=clause["index"],
                ref=clause["ref"],
                pieces=_pieces(clause["text"], spans),
                findings=findings,
                severities=" ".join(sorted({f["severity"] for f in findings})),
                ref_in_text=clause["text"].startswith(clause["ref"]),
            )
        )
    return out


def summary_rows(report: dict) -> list[dict]:
    """Per category: its label and how many findings of each severity."""
    rows: dict[str, dict] = {}
    for clause in report["clauses"]:
        for finding in clause["findings"]:
            row = rows.setdefault(
                finding["category"],
                {
                    "category": finding["category"],
                    "label": taxonomy.label("finding_categories", finding["category"]),
                    "refs": [],
                    "severity": finding["severity"],
                },
            )
            row["refs"].append(clause["ref"])
            if SEVERITY_ORDER[finding["severity"]] < SEVERITY_ORDER[row["severity"]]:
                row["severity"] = finding["severity"]
    return sorted(rows.values(), key=lambda r: (SEVERITY_ORDER[r["severity"]], r["label"]))


def report_lines(report: dict, *, title: str):
    """The printable report as PDF lines (title, summary, each finding)."""
    from django.utils.translation import gettext as _

    from .pdf import Line

    doc, summary = report["document"], report["summary"]
    lines = [
        Line(title, 16, bold=True),
        Line(
            _("%(name)s — language %(lang)s, %(n)d clauses")
            % {"name": doc["name"], "lang": doc["language"], "n": doc["clauses"]}
        ),
        Line(
            _("Findings: %(high)d high, %(medium)d medium, %(low)d low")
            % {k: summary[k] for k in ("high", "medium", "low")}
        ),
        Line(""),
    ]
    for clause in present(report):
        if not clause.findings:
            continue
        lines.append(Line(clause.ref, 12, bold=True))
        lines.append(Line("".join(p.text for p in clause.pieces), 9))
        for finding in clause.findings:
            lines.append(
                Line(
                    f"{finding['severity'].upper()} — {finding['label']}: “{finding['evidence']}”",
                    10,
                    bold=True,
                )
            )
            lines.append(Line(_("Why: %(text)s") % {"text": finding["explanation"]}))
            lines.append(Line(_("Ask for: %(text)s") % {"text": finding["suggestion"]}))
        lines.append(Line(""))
    if not any(c["findings"] for c in report["clauses"]):
        lines.append(Line(_("No risky clauses found.")))
    lines.append(Line(""))
    lines.append(
        Line(
            _("Checked by twinwise. The checker flags wording to discuss; it is not legal advice."),
            8,
        )
    )
    return lines
