"""Sentence embeddings of experience reports, for "similar experiences" (ADR 0016, 0017).

One row per case: the multilingual sentence embedding of its text, stored as little-endian
float16 bytes (512 dimensions → 1 KiB), the model that made it and a hash of the text it was
made from, so saving a case whose text did not change costs no model run. The row is derived
data: it is visible exactly when its case is (access rule similar.caseembedding/view).
"""

from django.db import models

from twinwise.cases.models import Case


class CaseEmbedding(models.Model):
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    vector = models.BinaryField()
    model = models.CharField(max_length=60)
    text_hash = models.CharField(max_length=64)
    # The in-memory index reloads rows changed since its last load (see similar/index.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"embedding of case {self.case_id} ({self.model})"
