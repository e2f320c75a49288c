"""The checker engine: extraction, segmentation, language detection and findings."""

import codecs

import pytest

from tests.agreements.documents import docx_of, locked_pdf, pdf_of, sample, scanned_pdf
from tests.cases.test_attachments import lying_docx, macro_docx, zip_bomb_docx
from twinwise.agreements import extraction, language, lexicon, report, segmentation
from twinwise.agreements.extraction import AgreementRejected


def check(text: str, **kwargs) -> dict:
    return report.check(extraction.from_pasted(text), **kwargs).report


def flagged(text: str) -> dict[str, str]:
    return {f["category"]: f["severity"] for c in check(text)["clauses"] for f in c["findings"]}


# -- extraction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "Article 1\nLes parties coopèrent.".encode(),
        codecs.BOM_UTF8 + "Article 1\nLes parties coopèrent.".encode(),
        "Article 1\nLes parties coopèrent.".encode("utf-16"),
        "Article 1\nLes parties coopèrent.".encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "cp1252"],
)
def test_text_files_in_any_usual_encoding(data):
    assert extraction.extract(data, name="a.txt").text == "Article 1\nLes parties coopèrent."


def test_pdf_and_docx_text_layers_are_read():
    text = "Article 1\nThe City affirms the one-China principle.\nArticle 2\nCulture."
    from_pdf = extraction.extract(pdf_of(text), name="mou.pdf")
    assert from_pdf.kind == "pdf" and "one-China principle" in from_pdf.text
    from_docx = extraction.extract(docx_of(text, table=[["Annex", "Port of X"]]), name="m.docx")
    assert from_docx.kind == "docx" and "one-China" in from_docx.text
    assert "Annex\tPort of X" in from_docx.text


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"", 400, "is empty"),
        (b"   \n\t ", 400, "is empty"),
        (bytes(range(256)) * 20, 415, "not a text, PDF or Word"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), 415, "is an image"),
        (b"%PDF-1.7\n garbage that is not a pdf", 400, "damaged"),
        (b"PK\x03\x04 not really a zip", 400, "damaged"),
    ],
    ids=["empty", "blank", "binary", "image", "corrupt-pdf", "corrupt-docx"],
)
def test_unreadable_input_is_refused_with_a_reason(data, status, words):
    with pytest.raises(AgreementRejected) as caught:
        extraction.extract(data, name="x")
    assert caught.value.status == status and words in caught.value.message


def test_scanned_pdf_needs_ocr():
    with pytest.raises(AgreementRejected) as caught:
        extraction.extract(scanned_pdf(), name="scan.pdf")
    assert "needs OCR" in caught.value.message and caught.value.status == 422


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (locked_pdf, "password"),
        (zip_bomb_docx, "more than"),
        (lying_docx, "damaged"),
        (macro_docx, "macros"),
    ],
)
def test_hostile_files_are_refused(make, words):
    with pytest.raises(AgreementRejected) as caught:
        extraction.extract(make(), name="x")
    assert words in caught.value.message


def test_oversize_is_refused_before_anything_else(settings):
    settings.AGREEMENTS_MAX_BYTES = 1000
    with pytest.raises(AgreementRejected) as caught:
        extraction.extract(b"a" * 1001)
    assert caught.value.status == 413
    with pytest.raises(AgreementRejected):
        extraction.from_pasted("a" * 1001)


# -- segmentation -----------------------------------------------------------------------

STYLES = """Preamble text of the parties.

Whereas the cities wish to cooperate;

Article 1
One.
Art. 2 Two.
§ 3 Drei.
Section 4
Four.
(a) first item;
(b) second item.
Artikel 5
Fünf.
Article premier
Un.
Artículo 6
Seis.
Articolo 7
Sette.
PRIMERA.- Primera cláusula.
SEGUNDA.- Segunda cláusula.
"""


def test_heading_styles_and_offsets():
    clauses = segmentation.segment(STYLES)
    refs = [c.ref for c in clauses]
    assert refs == [
        "Preamble",
        "Recital 1",
        "Article 1",
        "Art. 2",
        "§ 3",
        "Section 4",
        "Section 4 (a)",
        "Section 4 (b)",
        "Artikel 5",
        "Article premier",
        "Artículo 6",
        "Articolo 7",
        "PRIMERA",
        "SEGUNDA",
    ]
    for clause in clauses:
        assert STYLES[clause.start : clause.end] == clause.text
    assert clauses[2].text == "Article 1\nOne."  # the heading stays with its clause


def test_numbered_clauses_and_plain_paragraphs():
    numbered = segmentation.segment("1. First clause.\n2. Second clause.\n2.1 Detail.\nIV. Roman.")
    assert [c.ref for c in numbered] == ["1.", "2.", "2.1", "IV."]
    inside = segmentation.segment("Article 3\n1. A paragraph.\n2. Another.")
    assert [c.ref for c in inside] == ["Article 3"]  # numbered paragraphs stay in the article
    plain = segmentation.segment("First paragraph.\n\nSecond paragraph\ncontinued.")
    assert [c.ref for c in plain] == ["¶ 1", "¶ 2"]


# -- language ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The Parties shall promote exchanges in the fields of culture and education.", "en"),
        ("Die Parteien fördern den Austausch in Kultur und Bildung zwischen den Städten.", "de"),
        ("Les parties encouragent les échanges dans les domaines de la culture.", "fr"),
        ("Las partes fomentarán los intercambios en el ámbito de la cultura.", "es"),
        ("Le parti promuovono gli scambi nel campo della cultura e dell'istruzione.", "it"),
        ("Toto je dohoda mezi městy Praha a Peking o spolupráci v oblasti kultury.", None),
        ("双方同意在文化和教育领域开展交流与合作。", None),
    ],
)
def test_language_detection(text, code):
    assert language.detect(text) == code


def test_every_language_file_covers_every_category():
    for code, lang in lexicon.languages().items():
        assert set(lang.categories) == set(lexicon.category_ids()), code
        for category, rules in lang.categories.items():
            assert rules.patterns and rules.safer_wordings, (code, category)


# -- findings ---------------------------------------------------------------------------


def test_blunt_and_subtle_wording_is_flagged():
    assert flagged("The City affirms the one-China principle.") == {"political-recognition": "high"}
    assert flagged(
        "The Parties shall take into account the major concerns of the other Party."
    ) == {"core-interests": "high"}
    assert flagged("The Parties shall refrain from activities that could harm the friendship.") == {
        "core-interests": "high"
    }


@pytest.mark.parametrize(
    "text",
    [
        "Nothing in this Agreement restricts either Party's relations with third parties.",
        "Either Party may terminate this Agreement with three months' notice.",
        "This Agreement shall be published on both Parties' websites.",
    ],
)
def test_negations_and_protective_clauses_are_not_risks(text):
    assert flagged(text) == {}


def test_a_finding_has_evidence_explanation_and_safer_wording():
    result = report.check(
        extraction.from_pasted("Article 1\nThe City affirms the one-China policy.")
    )
    finding = result.report["clauses"][0]["findings"][0]
    assert "one-China policy" in finding["evidence"]
    assert "Rated high" in finding["explanation"]
    assert "Safer wording:" in finding["suggestion"]
    start, end = result.spans[0][0]
    assert " ".join(result.text[start:end].split()) == finding["evidence"]
    assert len(result.safer[0][0]) >= 1


def test_headings_are_not_evidence():
    text = "§ 6 Vertraulichkeit\nDiese Absichtserklärung wird veröffentlicht."
    assert flagged(text) == {}


def test_the_german_demo_mou():
    """The issue's "done when": § on one-China high, § on exit by consent flagged,
    the cultural-exchange §§ clean."""
    result = check(sample("mou-de-entwurf-1.txt"))
    by_ref = {
        c["ref"]: {f["category"]: f["severity"] for f in c["findings"]} for c in result["clauses"]
    }
    assert result["document"]["language"] == "de"
    assert by_ref["§ 1"] == {"political-recognition": "high"}
    assert by_ref["§ 7"] == {"termination-lock-in": "medium"}
    assert by_ref["§ 2"] == by_ref["§ 3"] == by_ref["§ 4"] == by_ref["§ 8"] == {}


def test_unsupported_language_is_segmented_but_not_checked():
    text = "Článek 1\nMěsto uznává politiku jedné Číny.\n\nČlánek 2\nStrany podporují výměny."
    with pytest.raises(report.UnsupportedLanguage) as caught:
        report.check_or_refuse(extraction.from_pasted(text))
    result = caught.value.result.report
    assert result["document"]["language"] == "und" and result["clauses"]
    assert result["summary"]["high"] == 0
    with pytest.raises(AgreementRejected):
        report.check(extraction.from_pasted(text), lang="cs")


def test_summary_matches_the_clauses():
    result = check(sample("mou-de-entwurf-1.txt"))
    findings = [f for c in result["clauses"] for f in c["findings"]]
    for severity in ("high", "medium", "low"):
        assert result["summary"][severity] == sum(f["severity"] == severity for f in findings)
    assert result["summary"]["categories"] == [
        c for c in lexicon.category_ids() if c in {f["category"] for f in findings}
    ]


def test_markdown_headings_and_recital_words_in_other_languages():
    text = "# Accord\n\nConsidérant l'amitié;\n\n## Article 1\nUn.\n\n**Artículo 2**\nDos."
    refs = [c.ref for c in segmentation.segment(text)]
    assert refs == ["Preamble", "Recital 1", "Article 1", "Artículo 2"]


def test_word_automatic_numbering_is_written_out():
    """Word numbers 'Article %1' headings itself; the extracted text must carry them."""
    import io

    import docx

    document = docx.Document()
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    style = document.styles["List Number"].element
    num_id = style.find(f"{w}pPr/{w}numPr/{w}numId").get(f"{w}val")
    root = document.part.numbering_part.element
    num = next(n for n in root.iter(f"{w}num") if n.get(f"{w}numId") == num_id)
    abstract_id = num.find(f"{w}abstractNumId").get(f"{w}val")
    abstract = next(
        a for a in root.iter(f"{w}abstractNum") if a.get(f"{w}abstractNumId") == abstract_id
    )
    level = next(lvl for lvl in abstract.iter(f"{w}lvl") if lvl.get(f"{w}ilvl") == "0")
    level.find(f"{w}lvlText").set(f"{w}val", "Article %1")
    document.add_paragraph("Preamble of the parties.")
    document.add_paragraph("Principles", style="List Number")
    document.add_paragraph("The City affirms the one-China principle.")
    document.add_paragraph("Culture", style="List Number")
    document.add_paragraph("The Parties promote exchanges of artists.")
    out = io.BytesIO()
    document.save(out)
    text = extraction.extract(out.getvalue(), name="numbered.docx").text
    assert "Article 1 Principles" in text and "Article 2 Culture" in text
    result = report.check(extraction.extract(out.getvalue(), name="numbered.docx")).report
    refs = {c["ref"]: [f["category"] for f in c["findings"]] for c in result["clauses"]}
    assert refs["Article 1"] == ["political-recognition"] and refs["Article 2"] == []
