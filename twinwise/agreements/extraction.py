"""Text out of an agreement file: .txt/.md (UTF-8, UTF-16, Windows-1252), .pdf (text layer)
and .docx — every hostile or useless input refused with one clear message.

The type is decided by the content, not the name. PDF and Word files first pass the
upload checks of `core.files` (encryption, damage, zip bombs, macros); plain text must
decode and look like text. Nothing is written anywhere.
"""

import hashlib
import io
import threading
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from twinwise.core import files
from twinwise.core.errors import UserFacingError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A page of a real text-layer PDF has hundreds of letters; a scan has none (or a few from
# a stamp or page number).
MIN_LETTERS_PER_PAGE = 40


class AgreementRejected(UserFacingError):
    """A document the checker cannot read; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400, field: str = "file"):
        super().__init__(message, field=field)
        self.status = status

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Extracted:
    name: str
    kind: str  # "text", "pdf" or "docx"
    text: str
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "AGREEMENTS_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large(size: int | None = None, *, field: str = "file") -> AgreementRejected:
    limit_mb = max_bytes() // (1024 * 1024)
    return AgreementRejected(
        _("The document is larger than %(mb)d MB. Check a shorter file or paste the text.")
        % {"mb": limit_mb},
        status=413,
        field=field,
    )


def extract(data: bytes, *, name: str = "") -> Extracted:
    """The text of `data` (the whole file), or AgreementRejected."""
    if len(data) > max_bytes():
        raise too_large(len(data))
    shown = f"“{name}”" if name else _("The document")
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise AgreementRejected(_("%(name)s is empty.") % {"name": shown})
    kind = files.sniff(data[:512])
    if kind is not None and kind.id in ("pdf", "docx"):
        stream = io.BytesIO(data)
        try:
            files.identify(stream, name=name)
        except files.FileRejected as exc:
            raise AgreementRejected(exc.message, status=exc.status) from None
        text = _pdf_text(stream, shown) if kind.id == "pdf" else _docx_text(stream, shown)
        kind_id = kind.id
    elif kind is not None:
        raise AgreementRejected(
            _(
                "%(name)s is an image. The checker reads text: use the PDF or Word file "
                "of the agreement, or paste its text."
            )
            % {"name": shown},
            status=415,
        )
    else:
        text = decode_text(data, shown)
        kind_id = "text"
    text = normalise(text)
    if not text.strip():
        raise AgreementRejected(_("%(name)s contains no text.") % {"name": shown})
    return Extracted(name=name, kind=kind_id, text=text, sha256=digest)


def from_pasted(text: str, *, name: str = "") -> Extracted:
    """Pasted text (form field or JSON `text`), with the same limits as a file."""
    data = text.encode("utf-8")
    if len(data) > max_bytes():
        raise too_large(len(data), field="text")
    text = normalise(text)
    if not text.strip():
        raise AgreementRejected(_("The text is empty."), field="text")
    return Extracted(
        name=name or "pasted.txt", kind="text", text=text, sha256=hashlib.sha256(data).hexdigest()
    )


def normalise(text: str) -> str:
    """NFC, one kind of line break, no NULs or soft hyphens; offsets refer to this text."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")


def decode_text(data: bytes, shown: str) -> str:
    """Decode a plain-text file or refuse it as binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _binary(shown) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if _looks_binary(text):
        raise _binary(shown)
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if "\x00" in sample:
        return True
    odd = sum(
        1
        for ch in sample
        if ch == "\ufffd"
        or (unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\n\r\f")
    )
    return odd > max(3, len(sample) // 100)


def _binary(shown: str) -> AgreementRejected:
    return AgreementRejected(
        _(
            "%(name)s is not a text, PDF or Word (.docx) document. Export the agreement as "
            "PDF or .docx, or paste its text."
        )
        % {"name": shown},
        status=415,
    )


# PDFium is not thread-safe: one extraction at a time per process.
_PDFIUM_LOCK = threading.Lock()


def _pdf_text(stream: io.BytesIO, shown: str) -> str:
    """The text layer of every page (PDFium via pypdfium2: ADR 0011)."""
    import pypdfium2 as pdfium

    pages = []
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(stream.getvalue())
            try:
                for index in range(len(document)):
                    page = document[index]
                    textpage = page.get_textpage()
                    pages.append(textpage.get_text_bounded() or "")
                    textpage.close()
                    page.close()
            finally:
                document.close()
        except pdfium.PdfiumError:
            raise AgreementRejected(
                _("%(name)s is a damaged PDF: its text cannot be read.") % {"name": shown}
            ) from None
    text = "\n\n".join(p.strip("\r\n") for p in pages)
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < MIN_LETTERS_PER_PAGE * max(1, len(pages)) // 4 or letters < 20:
        raise AgreementRejected(
            _(
                "%(name)s has no text layer: it is a scan or a picture of the agreement. "
                "This needs OCR — run it through a text-recognition tool (many scanners and "
                "PDF editors have one) and check the result."
            )
            % {"name": shown},
            status=422,
        )
    return text


def _docx_text(stream: io.BytesIO, shown: str) -> str:
    import docx

    stream.seek(0)
    document = docx.Document(stream)
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = []
                    for cell in row.iterchildren():
                        if cell.tag.endswith("}tc"):
                            cells.append(
                                "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                            )
                    lines.append("\t".join(cells))
    return "\n".join(lines)
