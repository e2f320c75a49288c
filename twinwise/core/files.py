"""Uploaded files: what a file really is, and a copy of it that does not say who made it.

A file's type is decided by its content — never by its name or the Content-Type the browser
sent — and only PDF, Word (.docx) and PNG/JPEG/GIF/WebP images are accepted. Each is opened
the way an attacker's file would be: ZIP archives are measured before anything is unpacked
(zip bombs), images before any pixel is decoded (decompression bombs).

`strip_metadata` writes a copy without the fields that name people, organisations and
places (PDF /Info and XMP, DOCX document properties and reviewer names, image EXIF/XMP/ICC
and comments). Everything here is a pure function over a seekable binary stream; callers
decide when to use it.
"""

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import UserFacingError

# A DOCX may unpack to at most this much, in at most this many members.
DOCX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
DOCX_MAX_MEMBERS = 1000
# Text compresses ~10–30×; a member above the floor that claims more than this is a bomb.
DOCX_MAX_RATIO = 100
DOCX_RATIO_FLOOR = 1024 * 1024
# Images: pixels decoded at most (≈160 MB as RGBA), and frames of an animation.
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MAX_FRAMES = 500
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    """An accepted type of file."""

    id: str
    content_type: str
    extension: str
    extensions: tuple[str, ...]
    label: str
    pillow_format: str = ""

    @property
    def is_image(self) -> bool:
        return bool(self.pillow_format)


KINDS: dict[str, FileKind] = {
    kind.id: kind
    for kind in (
        FileKind("pdf", "application/pdf", ".pdf", (".pdf",), gettext_lazy("PDF document")),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
            (".docx",),
            gettext_lazy("Word document"),
        ),
        FileKind("png", "image/png", ".png", (".png",), gettext_lazy("PNG image"), "PNG"),
        FileKind(
            "jpeg", "image/jpeg", ".jpg", (".jpg", ".jpeg"), gettext_lazy("JPEG image"), "JPEG"
        ),
        FileKind("gif", "image/gif", ".gif", (".gif",), gettext_lazy("GIF image"), "GIF"),
        FileKind("webp", "image/webp", ".webp", (".webp",), gettext_lazy("WebP image"), "WEBP"),
    )
}
# Served but never accepted as an upload: plain text carries no metadata of its own.
PLAIN_TEXT = FileKind("text", "text/plain", ".txt", (".txt",), gettext_lazy("text file"))
ACCEPT = ",".join(
    [ext for kind in KINDS.values() for ext in kind.extensions]
    + [kind.content_type for kind in KINDS.values()]
)


class FileRejected(UserFacingError):
    """An upload twinwise will not keep; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message, field="file")
        self.status = status


def kind_for_content_type(content_type: str) -> FileKind | None:
    """The kind stored as `content_type` (plain text included, for older attachments)."""
    if content_type == PLAIN_TEXT.content_type:
        return PLAIN_TEXT
    return next((k for k in KINDS.values() if k.content_type == content_type), None)


# -- what is it? ---------------------------------------------------------------------------


def _head(stream: BinaryIO, size: int = 512) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def sniff(head: bytes) -> FileKind | None:
    """The accepted kind the first bytes announce, or None."""
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return KINDS["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return KINDS["webp"]
    if head.startswith(b"PK\x03\x04"):
        return KINDS["docx"]  # only a candidate: _check_docx decides
    return None


def _what_else(head: bytes) -> str:
    """A plain description of a file that is none of the accepted kinds."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    known = (
        ((b"MZ",), _("a Windows program")),
        ((b"\x7fELF",), _("a program (Linux)")),
        ((b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"), _("a program (macOS)")),
        ((b"#!",), _("a script")),
        ((b"\xd0\xcf\x11\xe0",), _("an old-style Office file (.doc, .xls or .ppt)")),
        ((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b"), _("a compressed archive")),
    )
    for magics, label in known:
        if head.startswith(magics):
            return label
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return _("a web page (HTML)")
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return _("an SVG drawing")
    if text.startswith(b"{\\rtf"):
        return _("a Rich Text (.rtf) file")
    return _("of a type twinwise does not accept")


def identify(stream: BinaryIO, *, name: str = "") -> FileKind:
    """Decide what the file is by its content and check it opens safely, or FileRejected.

    The name is used only to word the message ("“x.pdf” is a Windows program …").
    """
    head = _head(stream)
    shown = _shown(name)
    if not head:
        raise FileRejected(_("%(name)s is empty.") % {"name": shown})
    kind = sniff(head)
    if kind is None:
        raise FileRejected(
            _(
                "%(name)s is %(what)s. Only PDF, Word (.docx) and image (PNG, JPEG, GIF, "
                "WebP) files can be attached."
            )
            % {"name": shown, "what": _what_else(head)},
            status=415,
        )
    _CHECKS[kind.id](stream, kind, shown)
    stream.seek(0)
    return kind


def _shown(name: str) -> str:
    """How messages refer to the file: its name in quotes, or "This file"."""
    return f"“{name}”" if name else _("This file")


def _damaged(shown: str, kind: FileKind) -> FileRejected:
    return FileRejected(
        _(
            "%(name)s looks like a %(kind)s but cannot be opened: it is damaged or "
            "incomplete. Save it again and attach the new copy."
        )
        % {"name": shown, "kind": kind.label}
    )


def _check_pdf(stream: BinaryIO, kind: FileKind, shown: str) -> None:
    try:
        reader = _open_pdf(stream)
        pages = len(reader.pages)
    except FileRejected:
        raise
    except Exception:  # pypdf raises many kinds of error on hostile input
        raise _damaged(shown, kind) from None
    if not pages:
        raise _damaged(shown, kind)


def _open_pdf(stream: BinaryIO):
    from pypdf import PasswordType, PdfReader

    stream.seek(0)
    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted:
        # Owner-password PDFs (printing restrictions) open with an empty password; files
        # that need a password to read cannot be checked or cleaned.
        try:
            opened = reader.decrypt("")
        except Exception:
            opened = PasswordType.NOT_DECRYPTED
        if opened == PasswordType.NOT_DECRYPTED:
            raise FileRejected(
                _("This PDF is protected by a password. Remove the password and attach it again.")
            )
    return reader


def _unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        not name
        or name.startswith(("/", "\\"))
        or "\x00" in name
        or (len(name) > 1 and name[1] == ":")
        or ".." in parts
    )


def _check_zip_directory(archive: zipfile.ZipFile, shown: str) -> list[zipfile.ZipInfo]:
    """Measure the archive from its central directory, before unpacking anything."""
    infos = archive.infolist()
    bomb = FileRejected(
        _(
            "%(name)s would unpack to more than %(mb)d MB or contains too many parts. "
            "Save it as a new document (or as PDF) and attach that."
        )
        % {"name": shown, "mb": DOCX_MAX_UNCOMPRESSED // (1024 * 1024)}
    )
    if len(infos) > DOCX_MAX_MEMBERS:
        raise bomb
    names = [info.filename for info in infos]
    if len(set(names)) != len(names) or any(_unsafe_member(n) for n in names):
        raise FileRejected(_("%(name)s is not a well-formed Word document.") % {"name": shown})
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRejected(
                _("%(name)s is encrypted. Remove the password and attach it again.")
                % {"name": shown}
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected(_("%(name)s is not a well-formed Word document.") % {"name": shown})
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > DOCX_MAX_UNCOMPRESSED or (
            info.file_size > DOCX_RATIO_FLOOR and ratio > DOCX_MAX_RATIO
        ):
            raise bomb
    return infos


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """A member's bytes, read in chunks; never more than it declared or than `budget`."""
    limit = min(info.file_size, budget)
    out = bytearray()
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            out += chunk
            if len(out) > limit:
                raise _Bomb
    return bytes(out)


class _Bomb(Exception):
    """A member unpacked to more than its directory entry said (or the total budget)."""


def _walk_zip(stream: BinaryIO, shown: str):
    """Yield (info, data) for every member, checking sizes before and while unpacking."""
    stream.seek(0)
    with zipfile.ZipFile(stream) as archive:
        infos = _check_zip_directory(archive, shown)
        budget = DOCX_MAX_UNCOMPRESSED
        for info in infos:
            data = _read_member(archive, info, budget)
            budget -= len(data)
            yield info, data


def _check_docx(stream: BinaryIO, kind: FileKind, shown: str) -> None:
    not_word = FileRejected(
        _(
            "%(name)s is a ZIP archive, not a Word document. Only PDF, Word (.docx) and "
            "image files can be attached."
        )
        % {"name": shown},
        status=415,
    )
    try:
        names = {info.filename for info, _data in _walk_zip(stream, shown)}
    except FileRejected:
        raise
    except _Bomb:
        raise _bomb_while_unpacking(shown) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise _damaged(shown, kind) from exc
    except (NotImplementedError, RuntimeError) as exc:  # unsupported compression, encryption
        raise _damaged(shown, kind) from exc
    if not {"[Content_Types].xml", "word/document.xml"} <= names:
        raise not_word
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _macro_document(shown)
    _check_docx_opens(stream, kind, shown)


def _bomb_while_unpacking(shown: str) -> FileRejected:
    return FileRejected(
        _("%(name)s unpacks to more than it says: it is damaged or built to harm.")
        % {"name": shown}
    )


def _macro_document(shown: str) -> FileRejected:
    return FileRejected(
        _(
            "%(name)s contains macros. Save it as a normal Word document (.docx) or as "
            "PDF and attach that."
        )
        % {"name": shown},
        status=415,
    )


def _check_docx_opens(stream: BinaryIO, kind: FileKind, shown: str) -> None:
    import docx

    stream.seek(0)
    try:
        docx.Document(stream)
    except ValueError as exc:
        if "macroEnabled" in str(exc):
            raise _macro_document(shown) from None
        raise _damaged(shown, kind) from None
    except Exception:  # python-docx and lxml raise many kinds of error on bad files
        raise _damaged(shown, kind) from None


def _open_image(stream: BinaryIO, kind: FileKind, shown: str):
    """Open an image without decoding it and refuse decompression bombs."""
    from PIL import Image

    stream.seek(0)
    image = Image.open(stream, formats=[kind.pillow_format])
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if (
        width * height > IMAGE_MAX_PIXELS
        or frames > IMAGE_MAX_FRAMES
        or width * height * frames > IMAGE_MAX_PIXELS * 4
    ):
        image.close()
        raise FileRejected(
            _(
                "%(name)s is too large an image (%(w)d × %(h)d pixels). Make it smaller "
                "than %(mp)d megapixels and attach it again."
            )
            % {"name": shown, "w": width, "h": height, "mp": IMAGE_MAX_PIXELS // 1_000_000},
            status=413,
        )
    return image


def _check_image(stream: BinaryIO, kind: FileKind, shown: str) -> None:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open_image(stream, kind, shown) as image:
                image.verify()
            # verify() checks structure only; decoding finds truncated pixel data.
            with _open_image(stream, kind, shown) as image:
                image.load()
        except FileRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise FileRejected(
                _("%(name)s is too large an image.") % {"name": shown}, status=413
            ) from None
        except Exception:  # Pillow raises OSError, SyntaxError, ValueError … on bad files
            raise _damaged(shown, kind) from None


_CHECKS = {
    "pdf": _check_pdf,
    "docx": _check_docx,
    "png": _check_image,
    "jpeg": _check_image,
    "gif": _check_image,
    "webp": _check_image,
}


# -- names ---------------------------------------------------------------------------------


def display_name(name: str, kind: FileKind, *, limit: int = 150) -> str:
    """A safe name to show and to offer for download, ending in the real type's extension.

    Paths, control and bidirectional-override characters are removed ("cod\\u202efdp.exe"
    cannot pose as a PDF); a misleading extension is kept but followed by the true one.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = " ".join(name.split()).strip(". ")
    stem, dot, extension = name.rpartition(".")
    if dot and f".{extension.lower()}" in kind.extensions:
        return f"{stem[:limit].rstrip('. ') or _('attachment')}.{extension.lower()}"
    return f"{name[:limit].rstrip('. ') or _('attachment')}{kind.extension}"


# -- copies without metadata -----------------------------------------------------------------


def strip_metadata(stream: BinaryIO, kind: FileKind) -> bytes:
    """A copy of the file without who-made-it metadata; FileRejected if it cannot be made."""
    stream.seek(0)
    if kind.id == PLAIN_TEXT.id:
        return stream.read()
    shown = _shown("")
    try:
        if kind.id == "pdf":
            return _strip_pdf(stream)
        if kind.id == "docx":
            return _strip_docx(stream, shown)
        if kind.is_image:
            return _strip_image(stream, kind, shown)
    except FileRejected:
        raise
    except _Bomb:
        raise _bomb_while_unpacking(shown) from None
    except Exception:  # a file that passed identify() but cannot be rewritten
        raise _damaged(shown, kind) from None
    raise FileRejected(_("twinwise cannot remove the metadata of this file."), status=415)


# -- PDF


def _strip_pdf(stream: BinaryIO) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    reader = _open_pdf(stream)
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None  # the /Info dictionary: author, creator, producer, title …
    writer.xmp_metadata = None
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            page.pop(NameObject(key), None)
        for annotation in page.get("/Annots", None) or []:
            annotation = annotation.get_object()
            # /T is the name of the person who wrote a comment or highlight.
            if hasattr(annotation, "pop"):
                annotation.pop(NameObject("/T"), None)
    writer.root_object.pop(NameObject("/PieceInfo"), None)
    # Dropped objects (the old /Info, XMP streams) must not be written out unreferenced.
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- DOCX

CORE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
    b'"http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi='
    b'"http://www.w3.org/2001/XMLSchema-instance"><dc:creator></dc:creator>'
    b"<cp:lastModifiedBy></cp:lastModifiedBy></cp:coreProperties>"
)
APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"><Company></Company><Manager></Manager></Properties>'
)
CUSTOM_PART = "docProps/custom.xml"
# Attributes naming reviewers in comments, tracked changes and people.xml.
PERSON_ATTRIBUTES = {"author", "initials", "userId", "providerId"}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _serialise(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_custom_relationship(data: bytes) -> bytes:
    from lxml import etree

    root = etree.fromstring(data, _xml_parser())  # the parser resolves no entities, loads no DTD
    for rel in list(root):
        if (rel.get("Target") or "").lstrip("/") == CUSTOM_PART:
            root.remove(rel)
    return _serialise(root)


def _without_custom_override(data: bytes) -> bytes:
    from lxml import etree

    root = etree.fromstring(data, _xml_parser())  # the parser resolves no entities, loads no DTD
    for entry in list(root):
        if (entry.get("PartName") or "").lstrip("/") == CUSTOM_PART:
            root.remove(entry)
    return _serialise(root)


def _without_people(data: bytes) -> bytes:
    from lxml import etree

    if not any(name.encode() in data for name in PERSON_ATTRIBUTES):
        return data
    root = etree.fromstring(data, _xml_parser())  # the parser resolves no entities, loads no DTD
    for element in root.iter():
        for attribute in element.attrib:
            if etree.QName(attribute).localname in PERSON_ATTRIBUTES:
                element.set(attribute, "")
    return _serialise(root)


def _clean_docx_member(name: str, data: bytes, shown: str) -> bytes | None:
    """The cleaned bytes of one DOCX member, or None to leave it out."""
    if name == CUSTOM_PART:
        return None
    if name == "docProps/core.xml":
        return CORE_XML
    if name == "docProps/app.xml":
        return APP_XML
    if name == "_rels/.rels":
        return _without_custom_relationship(data)
    if name == "[Content_Types].xml":
        return _without_custom_override(data)
    if name.startswith("word/") and name.endswith(".xml"):
        return _without_people(data)
    if name.startswith(("word/media/", "docProps/thumbnail")):
        kind = sniff(data[:16])
        if kind is not None and kind.is_image:
            try:
                return _strip_image(io.BytesIO(data), kind, shown)
            except Exception:  # an image Word shows but Pillow cannot decode: keep it as is
                return data
    return data


def _strip_docx(stream: BinaryIO, shown: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in _walk_zip(stream, shown):
            cleaned = _clean_docx_member(info.filename, data, shown)
            if cleaned is not None:
                # A fixed date: the archive's own timestamps say when (and so who) too.
                member = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
                member.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(member, cleaned)
    return out.getvalue()


# -- images

# What a frame keeps: only what is needed to draw it the same way.
KEEP_INFO = {"transparency", "duration", "loop", "background", "disposal"}


def _to_srgb(frame):
    """Colours converted to sRGB so the ICC profile (with its descriptions) can go."""
    from PIL import ImageCms

    icc = frame.info.get("icc_profile")
    if not icc or frame.mode not in ("RGB", "RGBA", "CMYK"):
        return frame
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        mode = "RGBA" if frame.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(frame, source, srgb, outputMode=mode)
    except Exception:  # a broken profile: keep the pixels as they are
        return frame


def _clean_frame(frame, *, first: bool):
    from PIL import ImageOps

    kept = {k: v for k, v in frame.info.items() if k in KEEP_INFO}
    if first:
        # The EXIF orientation goes with the EXIF, so turn the pixels the right way up.
        frame = ImageOps.exif_transpose(frame)
    frame = _to_srgb(frame).copy()
    frame.info = kept
    return frame


def _strip_image(stream: BinaryIO, kind: FileKind, shown: str) -> bytes:
    from PIL import Image, ImageSequence, JpegImagePlugin

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _open_image(stream, kind, shown) as image:
            frames = [
                _clean_frame(frame, first=index == 0)
                for index, frame in enumerate(ImageSequence.Iterator(image))
            ]
            options: dict = {}
            if kind.id == "jpeg":
                # Keep the original compression so the copy looks the same and is not bigger.
                options["qtables"] = image.quantization
                options["subsampling"] = JpegImagePlugin.get_sampling(image)
            if kind.id == "webp":
                options["quality"] = 90
    if kind.id == "jpeg" and frames[0].mode not in ("RGB", "L", "CMYK"):
        frames[0] = frames[0].convert("RGB")
    if len(frames) > 1:
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=[f.info.get("duration", 100) for f in frames],
            loop=frames[0].info.get("loop", 0),
        )
    out = io.BytesIO()
    frames[0].save(out, kind.pillow_format, **options)
    return out.getvalue()
