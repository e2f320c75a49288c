"""A small, dependency-free PDF writer for text: the printable report's download, and the
test and benchmark documents (a real text layer that pypdf reads back).

Helvetica with WinAnsi encoding covers English, German, French, Spanish and Italian;
characters outside Windows-1252 are written as "?". Lines are wrapped by an approximate
character width, pages are A4.
"""

import textwrap
import zlib
from dataclasses import dataclass

from twinwise.core.pdf import assemble

A4 = (595, 842)
MARGIN = 56


@dataclass(frozen=True)
class Line:
    text: str
    size: float = 10.0
    bold: bool = False


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _wrap(line: Line) -> list[Line]:
    width = int((A4[0] - 2 * MARGIN) / (line.size * 0.5))
    if not line.text:
        return [line]
    return [Line(part, line.size, line.bold) for part in textwrap.wrap(line.text, width) or [""]]


def _pages(lines: list[Line]) -> list[list[tuple[float, Line]]]:
    pages, page, y = [], [], A4[1] - MARGIN
    for line in (part for original in lines for part in _wrap(original)):
        step = line.size * 1.35
        if y - step < MARGIN and page:
            pages.append(page)
            page, y = [], A4[1] - MARGIN
        y -= step
        page.append((y, line))
    if page or not pages:
        pages.append(page)
    return pages


def _content(page: list[tuple[float, Line]]) -> bytes:
    out = [b"BT"]
    for y, line in page:
        font = b"/F2" if line.bold else b"/F1"
        out.append(
            font
            + b" %.1f Tf 1 0 0 1 %d %.1f Tm (" % (line.size, MARGIN, y)
            + _escape(line.text)
            + b") Tj"
        )
    out.append(b"ET")
    return zlib.compress(b"\n".join(out))


def write(lines: list[Line], *, title: str = "") -> bytes:
    """A PDF document with `lines`, wrapped and paginated."""
    pages = _pages(lines)
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    regular = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for page in pages:
        stream = _content(page)
        content = add(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                % (pages_obj, A4[0], A4[1], content, regular, bold)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    info = add(b"<< /Title (" + _escape(title) + b") /Producer (twinwise) >>")
    return assemble(objects, root=catalog, info=info)


def from_text(text: str, *, title: str = "") -> bytes:
    """A PDF of plain text: one Line per line of `text`."""
    return write([Line(line) for line in text.split("\n")], title=title)
