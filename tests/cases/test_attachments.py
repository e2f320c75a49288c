"""Case attachments: types decided by content, bombs refused, files served only through the
access policy, and without identifying metadata for people outside an anonymous case's city.

Real (tiny) files are made here: PDFs with pypdf, Word documents with python-docx, photos
with Pillow. The persona world (tests/world.py) is built once for the module; each test's
writes are rolled back.
"""

import functools
import hashlib
import io
import struct
import zipfile
import zlib

import docx
import pytest
from django.core.files.storage import storages
from django.db import transaction
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter

from tests.world import build_world, in_memory_storage
from twinwise.access.models import AuditEvent
from twinwise.cases.attachments import attachment_create
from twinwise.cases.models import Case, CaseAttachment, CaseRevision
from twinwise.cases.services import case_create
from twinwise.core import files

pytestmark = pytest.mark.django_db

SECRET = "Jana Novakova"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Jana Novakova</dc:creator>'
    b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), in_memory_storage(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def two_factors(monkeypatch):
    """Every signed-in test user counts as signed in with a second factor."""
    monkeypatch.setattr(
        "twinwise.access.actors.is_strongly_authenticated",
        lambda request: request.user.is_authenticated,
    )


def client_for(world, name: str | None, **kwargs) -> Client:
    client = Client(**kwargs)
    if name:
        client.force_login(world.users[name], backend="django.contrib.auth.backends.ModelBackend")
    return client


def stored_files(path: str = "") -> set[str]:
    storage = storages["default"]
    dirs, names = storage.listdir(path)
    found = {f"{path}{name}" for name in names}
    for directory in dirs:
        found |= stored_files(f"{path}{directory}/")
    return found


def draft(world, author: str = "gothenburg_author", *, anonymous: bool = True) -> Case:
    return case_create(
        actor=world.actors[author],
        data={"title": "A letter about Taiwan", "tlp": "green", "anonymous": anonymous},
    )


def publish(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(state="published")


def upload(client: Client, case: Case, name: str, data: bytes, **extra):
    return client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": _named(name, data), **extra},
    )


def _named(name: str, data: bytes):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def download(client: Client, attachment_id: int):
    response = client.get(reverse("cases:attachment", args=[attachment_id]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# -- real tiny files (made once per run) --------------------------------------------------------


@functools.cache
def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Author": SECRET, "/Creator": "Gothenburg city hall", "/Title": SECRET})
    writer.xmp_metadata = XMP
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def docx_bytes() -> bytes:
    document = docx.Document()
    document.core_properties.author = SECRET
    document.core_properties.last_modified_by = SECRET
    paragraph = document.add_paragraph("We received a letter.")
    document.add_comment(paragraph.runs, text="Check this", author=SECRET, initials="JN")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def jpeg_bytes() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = SECRET
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (57.0, 42.0, 0.0),
    }
    out = io.BytesIO()
    Image.new("RGB", (16, 8), (180, 40, 40)).save(out, "JPEG", exif=exif, comment=SECRET.encode())
    return out.getvalue()


@functools.cache
def zip_bomb_docx() -> bytes:
    """A small DOCX-shaped zip with one member that unpacks to 200 MB (written streaming)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        member = zipfile.ZipInfo("word/media/image1.png")
        member.compress_type = zipfile.ZIP_DEFLATED
        member.compress_level = 1
        with archive.open(member, "w", force_zip64=True) as handle:
            block = bytes(1 << 20)
            for _ in range(200):
                handle.write(block)
    return out.getvalue()


@functools.cache
def lying_docx() -> bytes:
    """A real DOCX whose directory claims document.xml is 10 bytes: unpacking shows more."""
    data = bytearray(docx_bytes())
    target = b"word/document.xml"
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        name_at = 46 if signature == b"PK\x01\x02" else 30
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(target)] == target:
                data[start + size_at : start + size_at + 4] = struct.pack("<I", 10)
            start += 4
    return bytes(data)


@functools.cache
def macro_docx() -> bytes:
    """A macro-enabled document (.docm) renamed .docx."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
                )
            archive.writestr(info, data)
    return out.getvalue()


@functools.cache
def locked_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.encrypt("open sesame", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


# -- upload ----------------------------------------------------------------------------------


def test_author_attaches_a_pdf(world):
    case = draft(world)
    before = stored_files()
    response = upload(
        client_for(world, "gothenburg_author"), case, "../Letter\u202e.pdf", pdf_bytes()
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#attachments")
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.original_name == "Letter.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    (new,) = stored_files() - before
    assert new.startswith("attachments/") and "Letter" not in new and new.endswith(".pdf")
    revision = CaseRevision.objects.filter(case=case).latest("id")
    assert revision.action == "attach" and "Letter" not in revision.note
    assert AuditEvent.objects.filter(case=case, action="attach").exists()


BAD_FILES = [
    ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), 415, "Windows program"),
    ("report.pdf", b"\x7fELF\x02\x01\x01" + bytes(200), 415, "program"),
    ("photo.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", 415, "web page"),
    ("notes.docx", b"PK\x03\x04" + bytes(300), 400, "damaged"),
    ("empty.pdf", b"", 400, "empty"),
    ("scan.pdf", b"%PDF-1.7\n1 0 obj\n<<", 400, "damaged"),
]


@pytest.mark.parametrize(
    ("name", "make", "status", "words"),
    [("minutes.docx", macro_docx, 415, "macros"), ("locked.pdf", locked_pdf, 400, "password")],
    ids=["macros", "password"],
)
def test_files_that_cannot_be_checked_or_cleaned_are_refused(world, name, make, status, words):
    case = draft(world)
    response = upload(client_for(world, "gothenburg_author"), case, name, make())

    assert response.status_code == status
    assert words in response.content.decode()
    assert not CaseAttachment.objects.filter(case=case).exists()


@pytest.mark.parametrize(("name", "data", "status", "words"), BAD_FILES)
def test_disguised_or_broken_files_are_refused(world, name, data, status, words):
    case = draft(world)
    before = stored_files()
    response = upload(client_for(world, "gothenburg_author"), case, name, data)

    assert response.status_code == status
    assert words in response.content.decode()
    assert "The file was not attached" in response.content.decode()
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("make", "words"),
    [(zip_bomb_docx, "would unpack to more than 50 MB"), (lying_docx, "damaged")],
    ids=["honest-bomb", "lying-sizes"],
)
def test_docx_zip_bombs_are_refused(world, make, words):
    case = draft(world)
    before = stored_files()
    response = upload(client_for(world, "gothenburg_author"), case, "minutes.docx", make())

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert stored_files() == before


def test_image_decompression_bomb_is_refused(world):
    case = draft(world)
    response = upload(
        client_for(world, "gothenburg_author"), case, "map.png", png_header(60_000, 60_000)
    )

    assert response.status_code == 413
    assert not CaseAttachment.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "size", [5_000, 200_000], ids=["stopped-while-streaming", "content-length"]
)
def test_oversized_upload_is_refused(world, settings, size):
    settings.TWINWISE_ATTACHMENT_MAX_BYTES = 1_000
    case = draft(world)
    before = stored_files()
    response = upload(
        client_for(world, "gothenburg_author"), case, "big.pdf", b"%PDF-" + bytes(size)
    )

    assert response.status_code == 413
    assert "larger than 1000" in response.content.decode()
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert stored_files() == before


@pytest.mark.parametrize(
    ("person", "case_key", "status"),
    [
        ("munich_officer", "lyon_amber_published", 403),  # sees it, may not change it
        ("lyon_admin", "lyon_green_returned", 403),  # only the author edits
        ("lyon_officer", "lyon_green_draft", 404),  # someone else's draft
        (None, "lyon_green_draft", 404),
        (None, "lyon_clear_published", 403),
    ],
)
def test_only_the_editing_author_may_attach(world, person, case_key, status):
    case = world.cases[case_key]
    before = stored_files()
    response = upload(client_for(world, person), case, "letter.pdf", pdf_bytes())

    assert response.status_code == status
    assert CaseAttachment.objects.filter(case=case).count() == 1  # the world's own
    assert stored_files() == before


def test_upload_without_csrf_token_is_refused(world):
    case = draft(world)
    client = client_for(world, "gothenburg_author", enforce_csrf_checks=True)
    response = upload(client, case, "letter.pdf", pdf_bytes())

    assert response.status_code == 403
    assert not CaseAttachment.objects.filter(case=case).exists()


def test_upload_with_csrf_token_is_accepted(world):
    case = draft(world)
    client = client_for(world, "gothenburg_author", enforce_csrf_checks=True)
    page = client.get(reverse("cases:attachment_upload", args=[case.pk]))
    token = page.context["csrf_token"]
    response = upload(client, case, "letter.pdf", pdf_bytes(), csrfmiddlewaretoken=str(token))

    assert response.status_code == 302
    assert CaseAttachment.objects.filter(case=case).count() == 1


# -- download ----------------------------------------------------------------------------------


def attached(world, make, name: str, *, anonymous: bool = True) -> CaseAttachment:
    case = draft(world, anonymous=anonymous)
    attachment = attachment_create(
        actor=world.actors["gothenburg_author"], case=case, upload=_file(name, make())
    )
    publish(case)
    return attachment


def _file(name: str, data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data, name=name)


def test_outsider_of_an_anonymous_case_gets_a_pdf_without_author(world):
    attachment = attached(world, pdf_bytes, "Gothenburg letter.pdf")
    response, body = download(client_for(world, "lyon_author"), attachment.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="attachment-{attachment.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"Jana" not in body and b"Gothenburg" not in body
    reader = PdfReader(io.BytesIO(body))
    assert not (reader.metadata or {}).get("/Author")
    assert reader.xmp_metadata is None
    assert len(reader.pages) == 1


def test_the_authors_organisation_gets_the_original(world):
    attachment = attached(world, pdf_bytes, "Gothenburg letter.pdf")
    response, body = download(client_for(world, "gothenburg_officer"), attachment.pk)

    assert response.status_code == 200
    assert body == pdf_bytes()
    assert 'filename="Gothenburg letter.pdf"' in response["Content-Disposition"]


def test_outsider_of_an_anonymous_case_gets_a_docx_without_people(world):
    attachment = attached(world, docx_bytes, "minutes.docx")
    _response, body = download(client_for(world, "lyon_author"), attachment.pk)

    cleaned = docx.Document(io.BytesIO(body))
    assert cleaned.core_properties.author == ""
    assert cleaned.core_properties.last_modified_by == ""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            assert SECRET.encode() not in archive.read(name), name

    _response, original = download(client_for(world, "gothenburg_admin"), attachment.pk)
    assert docx.Document(io.BytesIO(original)).core_properties.author == SECRET


def test_outsider_gets_a_photo_without_exif(world):
    attachment = attached(world, jpeg_bytes, "harbour.jpg")
    _response, body = download(client_for(world, "lyon_author"), attachment.pk)

    image = Image.open(io.BytesIO(body))
    assert not image.getexif()
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    assert image.size == (16, 8)
    assert SECRET.encode() not in body

    _response, original = download(client_for(world, "gothenburg_author"), attachment.pk)
    assert Image.open(io.BytesIO(original)).getexif()[ExifTags.Base.Artist] == SECRET


def test_named_case_keeps_document_details_but_photos_lose_their_location(world):
    pdf = attached(world, pdf_bytes, "letter.pdf", anonymous=False)
    photo = attached(world, jpeg_bytes, "harbour.jpg", anonymous=False)
    outsider = client_for(world, "lyon_author")

    response, body = download(outsider, pdf.pk)
    assert body == pdf_bytes()
    assert 'filename="letter.pdf"' in response["Content-Disposition"]
    _response, body = download(outsider, photo.pk)
    assert ExifTags.IFD.GPSInfo not in Image.open(io.BytesIO(body)).getexif()


@pytest.mark.parametrize(
    ("person", "case_key"),
    [
        ("munich_officer2", "lyon_red_published"),  # red: not a named recipient
        (None, "lyon_green_published"),  # green: members only
        ("munich_admin", "lyon_amber_strict_published"),
        ("lyon_officer", "lyon_green_draft"),
        ("gothenburg_officer", "lyon_amber_withdrawn"),
    ],
)
def test_invisible_attachment_is_404(world, person, case_key):
    response, _body = download(client_for(world, person), world.attachments[case_key].pk)
    assert response.status_code == 404


def test_reads_of_red_and_amber_attachments_are_audited(world):
    red = world.attachments["lyon_red_published"]
    response, body = download(client_for(world, "munich_officer"), red.pk)

    assert response.status_code == 200 and body == b"Notes on lyon_red_published.\n"
    event = AuditEvent.objects.filter(action="read-attachment").latest("id")
    assert event.case_id == red.case_id and event.detail["attachment"] == red.pk
    assert event.owner_id == world.organisations["lyon"].pk

    count = AuditEvent.objects.filter(action="read-attachment").count()
    download(client_for(world, "munich_officer"), world.attachments["lyon_green_published"].pk)
    assert AuditEvent.objects.filter(action="read-attachment").count() == count


def test_anonymous_visitors_download_public_record_files(world):
    response, _body = download(client_for(world, None), world.attachments["public_record"].pk)
    assert response.status_code == 200


# -- the attachments page ------------------------------------------------------------------------


def test_page_shows_the_form_to_the_author_and_neutral_names_to_outsiders(world):
    attachment = attached(world, pdf_bytes, "Gothenburg letter.pdf")
    Case.objects.filter(pk=attachment.case_id).update(state="draft")
    page = client_for(world, "gothenburg_author").get(
        reverse("cases:attachment_upload", args=[attachment.case_id])
    )
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert "Gothenburg letter.pdf" in page.content.decode()

    publish(attachment.case)
    page = client_for(world, "lyon_author").get(
        reverse("cases:attachment_upload", args=[attachment.case_id])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Gothenburg letter" not in html and f"attachment-{attachment.pk}.pdf" in html
    assert "<form" not in html.split('id="attachments"')[1]


# -- the pure helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("C:\\Users\\jana\\Letter.PDF", "pdf", "Letter.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.exe.pdf"),
        ("photo.jpeg", "jpeg", "photo.jpeg"),
        ("photo.png", "jpeg", "photo.png.jpg"),
        ("...", "docx", "attachment.docx"),
    ],
)
def test_display_names_are_safe(name, kind, expected):
    assert files.display_name(name, files.KINDS[kind]) == expected


def test_animated_gif_keeps_its_frames_and_loses_its_comment():
    frames = [
        Image.new("RGB", (6, 6), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=80, comment=b"Jana"
    )
    kind = files.identify(io.BytesIO(out.getvalue()), name="wave.gif")
    cleaned = Image.open(io.BytesIO(files.strip_metadata(io.BytesIO(out.getvalue()), kind)))

    assert cleaned.n_frames == 3
    assert "comment" not in cleaned.info
