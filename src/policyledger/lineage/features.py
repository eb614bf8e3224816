"""Hashed character n-gram features, computed with numpy (no per-n-gram Python work).

A folded text becomes an array of code points; punctuation is marked so that no n-gram straddles
it; the n-grams are hashed into ``DIM`` buckets by multiplying and mixing the code points in
64-bit integer arithmetic. The same function serves a pair of documents and a library of
300,000 measures, in any process: the hash does not depend on Python's per-process seed.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from policyledger.lineage.text import is_content

DIM = 1 << 22
_MULTIPLIERS = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    ],
    dtype=np.uint64,
)
_BMP = 0x10000
_CONTENT_TABLE: np.ndarray | None = None


def _table() -> np.ndarray:
    """Whether each Basic Multilingual Plane code point carries content (built once)."""
    global _CONTENT_TABLE
    if _CONTENT_TABLE is None:
        _CONTENT_TABLE = np.array([is_content(chr(c)) for c in range(_BMP)], dtype=bool)
    return _CONTENT_TABLE


def _codes(folded: str) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    content = np.ones(len(raw), dtype=bool)
    bmp = raw < _BMP
    content[bmp] = _table()[raw[bmp]]
    return raw.astype(np.uint64), content


def content_only(folded: str) -> str:
    """The content characters of a folded text (punctuation and symbols removed)."""
    raw = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = np.ones(len(raw), dtype=bool)
    bmp = raw < _BMP
    keep[bmp] = _table()[raw[bmp]]
    return raw[keep].tobytes().decode("utf-32-le", "surrogatepass")


def gram_hashes(folded: str, n: int) -> np.ndarray:
    """Hashes (uint64) of the content n-grams of ``folded``, in text order."""
    codes, content = _codes(folded)
    return _grams(codes, content, n)


def _grams(codes: np.ndarray, content: np.ndarray, n: int) -> np.ndarray:
    return _grams_at(codes, content, n)[0]


def _grams_at(codes: np.ndarray, content: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the content n-grams and the position each starts at."""
    count = len(codes) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        h = np.full(count, np.uint64(n) * _MULTIPLIERS[4], dtype=np.uint64)
        ok = np.ones(count, dtype=bool)
        for k in range(n):
            part = codes[k : k + count] + np.uint64(k + 1)
            h = (h ^ (part * _MULTIPLIERS[k])) * _MULTIPLIERS[(k + 1) % 4]
            h ^= h >> np.uint64(29)
            ok &= content[k : k + count]
    return h[ok], np.flatnonzero(ok)


SEPARATOR = "\x00"  # a control character: never content, so no n-gram crosses it


def batch_grams(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the content n-grams of several texts in one pass, and the text each came from."""
    if not texts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    codes, content = _codes(SEPARATOR.join(texts))
    hashes, positions = _grams_at(codes, content, n)
    return hashes, np.searchsorted(starts, positions, side="right") - 1


def ngram_ids(folded: str, sizes: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Bucket ids (int64 in ``[0, DIM)``) of the content n-grams of the given sizes."""
    codes, content = _codes(folded)
    parts = [_grams(codes, content, n) for n in sizes]
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return (np.concatenate(parts) % np.uint64(DIM)).astype(np.int64)


def count_matrix(id_lists: list[np.ndarray]) -> sparse.csr_matrix:
    """Rows of n-gram counts (CSR, float32) from per-text bucket id arrays."""
    indptr = np.zeros(len(id_lists) + 1, dtype=np.int64)
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for row, ids in enumerate(id_lists):
        uniq, counts = np.unique(ids, return_counts=True)
        cols.append(uniq)
        vals.append(counts.astype(np.float32))
        indptr[row + 1] = indptr[row] + len(uniq)
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.concatenate(vals) if vals else np.zeros(0, dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(id_lists), DIM))


def document_frequency(counts: sparse.csr_matrix) -> np.ndarray:
    """How many rows hold each bucket (int32, length ``DIM``)."""
    return np.bincount(counts.indices, minlength=DIM).astype(np.int32)


def idf(df: np.ndarray, n_rows: int) -> np.ndarray:
    """Smoothed inverse document frequency, as scikit-learn's TfidfTransformer computes it."""
    return (np.log((1.0 + n_rows) / (1.0 + df.astype(np.float64))) + 1.0).astype(np.float32)


def tfidf(counts: sparse.csr_matrix, weights: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised (cosine = dot product)."""
    out = counts.copy()
    out.data = ((1.0 + np.log(out.data)) * weights[out.indices]).astype(np.float32)
    lengths = np.diff(out.indptr)
    squares = np.zeros(out.shape[0], dtype=np.float64)
    filled = lengths > 0
    if filled.any():
        squares[filled] = np.add.reduceat(out.data.astype(np.float64) ** 2, out.indptr[:-1][filled])
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    out.data /= np.repeat(norms, lengths).astype(np.float32)
    return out
