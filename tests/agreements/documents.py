"""Real small documents for the checker's tests (PDF with a text layer, DOCX, scans …)."""

import functools
import io
from pathlib import Path

import docx
from pypdf import PdfWriter

from twinwise.agreements import pdf

SAMPLES = Path(__file__).resolve().parents[2] / "twinwise" / "agreements" / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def pdf_of(text: str) -> bytes:
    return pdf.from_text(text, title="test")


def docx_of(text: str, *, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def scanned_pdf() -> bytes:
    """Pages without a text layer, as a scanner makes them."""
    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def locked_pdf() -> bytes:
    reader_source = pdf_of("Article 1\nA locked agreement.")
    from pypdf import PdfReader

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(reader_source)))
    writer.encrypt("open sesame", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
