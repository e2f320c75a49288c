"""The review pages: check (upload or paste), save, show, add a draft, compare, PDF."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from tests.agreements.documents import docx_of, sample, scanned_pdf
from tests.cases.pages_fixtures import login_strong, organisation, person
from twinwise.agreements.models import AgreementReview

pytestmark = pytest.mark.django_db
CHECK = "/agreements/check/"


@pytest.fixture
def people(db):
    lindenau = organisation("lindenau", "Lindenau", "DE", population=90_000)
    other = organisation("borgo", "Borgo", "FR", population=50_000)
    return {
        "olga": person("olga.becker", lindenau),
        "jan": person("jan.vogt", lindenau),
        "rita": person("rita.rossi", other),
    }


def upload(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def test_checking_needs_a_signed_in_user(people):
    assert Client().get(CHECK).status_code == 302
    client = Client()
    client.force_login(people["olga"])  # no second factor: may check, may not save
    page = client.post(CHECK, {"text": sample("mou-de-entwurf-1.txt")})
    assert page.status_code == 200 and b"Save this review" not in page.content
    assert b"evidence--high" in page.content


def test_upload_shows_highlighted_clauses_and_offers_saving(people):
    client = login_strong(Client(), people["olga"])
    assert client.get(CHECK).status_code == 200
    page = client.post(CHECK, {"file": upload(docx_of(sample("mou-de-entwurf-1.txt")), "mou.docx")})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ein-China-Politik" in html and "evidence--high" in html
    assert "Political recognition" in html and "Safer wording" in html
    assert "Save this review" in html
    assert not AgreementReview.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (scanned_pdf(), 422, "needs OCR"),
        (bytes(range(256)) * 10, 415, "not a text, PDF or Word"),
    ],
)
def test_unreadable_uploads_explain_why(people, data, status, words):
    client = login_strong(Client(), people["olga"])
    page = client.post(CHECK, {"file": upload(data, "x.pdf")})
    assert page.status_code == status and words in page.content.decode()


def test_an_empty_form_and_an_oversize_upload(people, settings):
    client = login_strong(Client(), people["olga"])
    assert client.post(CHECK, {}).status_code == 400
    settings.AGREEMENTS_MAX_BYTES = 1000
    page = client.post(CHECK, {"file": upload(b"a" * 5000, "big.txt")})
    assert page.status_code == 413


def test_save_compare_download_and_delete(people):
    client = login_strong(Client(), people["olga"])
    text = sample("mou-de-entwurf-1.txt")
    saved = client.post(
        reverse("agreements:save"),
        {
            "title": "MoU Haicheng",
            "tlp": "amber-strict",
            "partnership": "",
            "text": text,
            "name": "mou.txt",
        },
    )
    review = AgreementReview.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "agreements:detail", args=[review.pk]
    )
    detail = client.get(saved["Location"])
    assert detail.status_code == 200 and b"Upload a new draft" in detail.content
    colleague = login_strong(Client(), people["jan"])
    added = colleague.post(
        reverse("agreements:draft_add", args=[review.pk]),
        {"file": upload(sample("mou-de-entwurf-2.txt").encode(), "mou-2.txt")},
    )
    assert added.status_code == 302 and "compare" in added["Location"]
    compare = colleague.get(added["Location"]).content.decode()
    assert "Draft 1 compared with draft 2" in compare
    assert "3</strong> resolved" in compare and "1</strong> new" in compare
    pdf = client.get(reverse("agreements:pdf", args=[review.pk, 2]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("agreements:list")).status_code == 200
    outsider = login_strong(Client(), people["rita"])
    assert outsider.get(reverse("agreements:detail", args=[review.pk])).status_code == 404
    assert outsider.get(reverse("agreements:pdf", args=[review.pk, 1])).status_code == 404
    assert client.post(reverse("agreements:delete", args=[review.pk])).status_code == 302
    assert not AgreementReview.objects.exists()


def test_saving_bad_input_saves_nothing(people):
    client = login_strong(Client(), people["olga"])
    page = client.post(reverse("agreements:save"), {"title": "", "tlp": "red", "text": "x"})
    assert page.status_code == 400 and not AgreementReview.objects.exists()
    page = client.post(
        reverse("agreements:save"),
        {
            "title": "T",
            "tlp": "red",
            "text": "Článek 1\nMěsto uznává politiku jedné Číny a výměny.",
        },
    )
    assert page.status_code == 400 and b"none of the languages" in page.content
    assert not AgreementReview.objects.exists()


def test_unsupported_language_and_too_long_pasted_text(people, settings):
    client = login_strong(Client(), people["olga"])
    czech = "Článek 1\nMěsto uznává politiku jedné Číny.\n\nČlánek 2\nStrany podporují výměny mezi školami."
    page = client.post(CHECK, {"text": czech})
    html = page.content.decode()
    assert page.status_code == 422 and "none of the languages" in html and "Článek 2" in html
    assert "Save this review" not in html
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    page = client.post(CHECK, {"text": "Article 1\n" + "The Parties cooperate. " * 200})
    assert page.status_code == 413 and b"Upload it as a file" in page.content


def test_a_fresh_check_downloads_as_pdf(people):
    client = Client()
    client.force_login(people["olga"])
    page = client.post(CHECK, {"text": sample("mou-de-entwurf-1.txt")})
    assert b"Download the report (PDF)" in page.content
    response = client.post(
        reverse("agreements:check_pdf"), {"text": sample("mou-de-entwurf-1.txt"), "name": "mou.txt"}
    )
    assert response["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Political recognition" in text and "Ein-China-Politik" in text
    assert client.post(reverse("agreements:check_pdf"), {"text": ""}).status_code == 400
    assert Client().post(reverse("agreements:check_pdf"), {"text": "x"}).status_code == 302
