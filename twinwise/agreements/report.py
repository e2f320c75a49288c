"""One agreement check, start to end: extracted text → clauses → language → findings → the
"Agreement check" document of INTERCHANGE.md (the same dict for the CLI, the API and the
review page)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import checker, language, lexicon, segmentation
from .extraction import AgreementRejected, Extracted

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class CheckResult:
    report: dict
    text: str
    # Offsets of each finding's evidence in the extracted text, parallel to report clauses.
    spans: list[list[tuple[int, int]]]
    # Safer wordings per finding, parallel too (the page shows them all).
    safer: list[list[tuple[str, ...]]]

    @property
    def language_supported(self) -> bool:
        return self.report["document"]["language"] in lexicon.languages()


class UnsupportedLanguage(AgreementRejected):
    """The text is in none of the lexicon's languages. Carries the segmented report."""

    def __init__(self, result: CheckResult):
        codes = ", ".join(sorted(lexicon.languages()))
        super().__init__(
            _(
                "The document is in none of the languages the checker knows (%(codes)s): "
                "it was split into %(n)d clauses but not checked. Give the language with "
                "--lang (or the language field) if it was misjudged."
            )
            % {"codes": codes, "n": len(result.report["clauses"])},
            status=422,
            field="language",
        )
        self.result = result


def check(extracted: Extracted, *, lang: str | None = None) -> CheckResult:
    """Check a document; `lang` overrides the detected language."""
    if lang is not None and lang not in lexicon.languages():
        raise AgreementRejected(
            _("Unknown language “%(lang)s”; the checker knows %(codes)s.")
            % {"lang": lang, "codes": ", ".join(sorted(lexicon.languages()))},
            field="lang",
        )
    text = extracted.text
    clauses = segmentation.segment(text)
    document_language = lang or language.detect(text)
    results = (
        checker.check_clauses(clauses, document_language)
        if document_language
        else [(c, []) for c in clauses]
    )
    out_clauses, spans, safer = [], [], []
    counts = dict.fromkeys(SEVERITIES, 0)
    categories = set()
    for clause, findings in results:
        out_clauses.append(
            {
                "index": clause.index,
                "ref": clause.ref,
                "text": clause.text,
                "start": clause.start,
                "end": clause.end,
                "findings": [
                    {
                        "category": f.category,
                        "severity": f.severity,
                        "evidence": f.evidence,
                        "explanation": f.explanation,
                        "suggestion": f.suggestion,
                    }
                    for f in findings
                ],
            }
        )
        spans.append([(clause.start + f.start, clause.start + f.end) for f in findings])
        safer.append([f.safer_wordings for f in findings])
        for f in findings:
            counts[f.severity] += 1
            categories.add(f.category)
    order = lexicon.category_ids()
    report = {
        "document": {
            "name": extracted.name,
            "language": document_language or "und",
            "clauses": len(out_clauses),
            "sha256": extracted.sha256,
        },
        "clauses": out_clauses,
        "summary": {**counts, "categories": [c for c in order if c in categories]},
    }
    return CheckResult(report=report, text=text, spans=spans, safer=safer)


def check_or_refuse(extracted: Extracted, *, lang: str | None = None) -> CheckResult:
    """`check`, raising UnsupportedLanguage when nothing could be checked."""
    result = check(extracted, lang=lang)
    if not result.language_supported:
        raise UnsupportedLanguage(result)
    return result


def as_text(report: dict) -> str:
    """The plain-text rendering of a report (`--format text`)."""
    doc = report["document"]
    summary = report["summary"]
    lines = [
        _("%(name)s — language %(lang)s, %(n)d clauses, sha256 %(sha)s")
        % {"name": doc["name"], "lang": doc["language"], "n": doc["clauses"], "sha": doc["sha256"]},
        _("Findings: %(high)d high, %(medium)d medium, %(low)d low")
        % {k: summary[k] for k in SEVERITIES},
        "",
    ]
    for clause in report["clauses"]:
        if not clause["findings"]:
            continue
        lines.append(f"[{clause['ref']}] ({clause['start']}–{clause['end']})")
        for f in clause["findings"]:
            lines.append(f"  {f['severity'].upper()}  {f['category']}: “{f['evidence']}”")
            lines.append(f"    {_('Why')}: {f['explanation']}")
            lines.append(f"    {_('Ask for')}: {f['suggestion']}")
        lines.append("")
    if not any(c["findings"] for c in report["clauses"]):
        lines.append(_("No risky clauses found."))
    return "\n".join(lines).rstrip() + "\n"
