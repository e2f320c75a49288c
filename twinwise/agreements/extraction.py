"""Text out of an agreement file: .txt/.md (UTF-8, UTF-16, Windows-1252), .pdf (text layer)
and .docx — every hostile or useless input refused with one clear message.

The type is decided by the content, not the name. PDF and Word files first pass the
upload checks of `core.files` (encryption, damage, zip bombs, macros); plain text must
decode and look like text. Nothing is written anywhere.
"""

import hashlib
import io
import re
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
    """Paragraphs and table rows, with Word's automatic numbering written out ("Article 3",
    "3.", "(a)"): agreements numbered by Word carry no number in their text."""
    import docx

    stream.seek(0)
    document = docx.Document(stream)
    numbering = WordNumbering(document)
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            label = numbering.label(child) if text.strip() else ""
            lines.append(f"{label} {text}" if label else text)
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


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
    "lowerLetter": _letters,
    "upperLetter": lambda n: _letters(n).upper(),
}


class WordNumbering:
    """Renders the list number Word would show in front of a paragraph."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.style_numbering: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(W + "abstractNumId"): a for a in root.iter(W + "abstractNum")}
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            definition = abstract.get(ref.get(W + "val")) if ref is not None else None
            if definition is None:
                continue
            for level in definition.iter(W + "lvl"):
                text = level.find(W + "lvlText")
                fmt = level.find(W + "numFmt")
                start = level.find(W + "start")
                self.levels[num.get(W + "numId"), int(level.get(W + "ilvl", "0"))] = (
                    text.get(W + "val") if text is not None else "",
                    fmt.get(W + "val") if fmt is not None else "decimal",
                    int(start.get(W + "val")) if start is not None else 1,
                )
        for style in document.styles.element.iter(W + "style"):
            num_pr = style.find(f"{W}pPr/{W}numPr")
            if num_pr is not None:
                self.style_numbering[style.get(W + "styleId")] = self._num_pr(num_pr)

    @staticmethod
    def _num_pr(num_pr) -> tuple[str, int]:
        num_id = num_pr.find(W + "numId")
        ilvl = num_pr.find(W + "ilvl")
        return (
            num_id.get(W + "val") if num_id is not None else "",
            int(ilvl.get(W + "val")) if ilvl is not None else 0,
        )

    def label(self, paragraph) -> str:
        if not self.levels:
            return ""
        num_pr = paragraph.find(f"{W}pPr/{W}numPr")
        if num_pr is not None:
            num_id, ilvl = self._num_pr(num_pr)
        else:
            style = paragraph.find(f"{W}pPr/{W}pStyle")
            found = self.style_numbering.get(style.get(W + "val")) if style is not None else None
            if found is None:
                return ""
            num_id, ilvl = found
        if (num_id, ilvl) not in self.levels:
            return ""
        text, fmt, start = self.levels[num_id, ilvl]
        if fmt not in FORMATS:  # bullets and exotic formats carry no clause number
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def value(match) -> str:
            level = int(match.group(1)) - 1
            _t, level_fmt, level_start = self.levels.get((num_id, level), ("", "decimal", 1))
            return FORMATS.get(level_fmt, str)(counters.get(level, level_start))

        return re.sub(r"%([1-9])", value, text).strip()
