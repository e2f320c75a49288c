"""The demo network's agreement review: Munich's saved review of a German draft MoU with a
Chinese city, in two drafts (the second fixes most of what the first got wrong). The draft
files ship in `agreements/samples/` so anyone can upload them on the check page too."""

from pathlib import Path

from twinwise.access.actors import Actor

from . import extraction, services
from .models import AgreementReview

SAMPLES = Path(__file__).resolve().parent / "samples"
DEMO_TITLE = "Absichtserklärung Lindenau–Haicheng (Demo)"
DRAFTS = ("mou-de-entwurf-1.txt", "mou-de-entwurf-2.txt")


def sample_document(name: str) -> extraction.Extracted:
    return extraction.extract((SAMPLES / name).read_bytes(), name=name)


def demo_review_create(*, organisation, user) -> AgreementReview:
    """Create the demo review once (idempotent by title and organisation)."""
    existing = AgreementReview.objects.filter(organisation=organisation, title=DEMO_TITLE).first()
    if existing is not None:
        return existing
    actor = Actor.from_user(user, strong=True)
    review = services.review_create(
        actor=actor, title=DEMO_TITLE, tlp="amber-strict", document=sample_document(DRAFTS[0])
    )
    services.draft_add(actor=actor, review=review, document=sample_document(DRAFTS[1]))
    return review
