"""The candidate index over a whole library: text reuse (MinHash LSH) and similarity (TF-IDF).

Indexing is linear in the library's size and parallel: each document is prepared in a worker
process (folding, hashed character n-grams, a MinHash signature per measure); the parent process
only appends rows and inserts signatures. Proposals for a child document then run in three steps:

1. retrieval: each child measure's character 3-gram TF-IDF vector against every library measure
   (one sparse product), plus the child measure's MinHash LSH neighbours (text reuse);
2. candidate documents: the documents the child cites (``parents``), then the library documents
   whose measures the child's measures hit most, and those holding LSH neighbours;
3. the pairwise scorer of ``propose`` over the measures of those documents, with the library's IDF.

The LSH lives in memory, or in Redis when a ``redis_url`` is given (datasketch's Redis storage), so
several processes can share one LSH; the TF-IDF rows live in each process that answers queries.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from scipy import sparse

from policyledger.lineage import features
from policyledger.lineage.matcher import Item, Scorer, prepare, standing
from policyledger.lineage.propose import (
    LIMIT,
    Lineage,
    MeasureRef,
    Proposal,
    document_fields,
    items_of,
    rank,
)
from policyledger.lineage.text import fold
from policyledger.parsing.model import Document

NUM_PERM = 64
LSH_THRESHOLD = 0.3  # estimated Jaccard of 5-gram shingles for a text-reuse neighbour
SHINGLE = 5
SEED = 7
CANDIDATE_DOCUMENTS = 8  # library documents scored in full beside the cited ones
RETRIEVE = 30  # library measures retrieved per child measure
QUERY_TERMS = 64  # retrieval uses each child measure's most informative 3-grams only


_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_BASE: MinHash | None = None


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    global _BASE
    if _BASE is None:
        _BASE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="legacy")
    return _BASE.permutations


def signatures(texts: list[str]) -> np.ndarray:
    """MinHash signatures (one row of ``NUM_PERM`` values per text) of content 5-gram shingles.

    All texts at once: the shingles' hashes are permuted as datasketch's ``legacy`` scheme does
    (``(a * h + b) mod (2**61 - 1)``, low 32 bits) and reduced per text with one ``minimum.reduceat``,
    so the rows equal what ``MinHash(scheme="legacy").update`` would give for the same hashes.
    """
    a, b = _permutations()
    out = np.full((len(texts), NUM_PERM), _MAX_HASH, dtype=np.uint64)
    hashes, owner = features.batch_grams([features.content_only(t) for t in texts], SHINGLE)
    if not len(hashes):
        return out
    hv = (hashes & _MAX_HASH).reshape(-1, 1)
    with np.errstate(over="ignore"):
        permuted = np.bitwise_and((hv * a + b) % _MERSENNE, _MAX_HASH)
    present, first = np.unique(owner, return_index=True)
    out[present] = np.minimum.reduceat(permuted, first, axis=0)
    return out


def _lean(hashvalues: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme="legacy")


def _strongest(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row's ``keep`` largest entries: the rare n-grams that make a measure findable.

    Common n-grams have the longest posting lists and the smallest weights; leaving them out of
    the retrieval query makes the sparse product much cheaper and changes little in the top
    candidates, which the pair scorer then rescores on the full texts.
    """
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    rows_i, rows_d, new_ptr = [], [], [0]
    for r in range(matrix.shape[0]):
        a, b = indptr[r], indptr[r + 1]
        if b - a > keep:
            top = a + np.argpartition(-data[a:b], keep - 1)[:keep]
            top.sort()
            rows_i.append(indices[top])
            rows_d.append(data[top])
        else:
            rows_i.append(indices[a:b])
            rows_d.append(data[a:b])
        new_ptr.append(new_ptr[-1] + len(rows_i[-1]))
    return sparse.csr_matrix(
        (
            np.concatenate(rows_d) if rows_d else np.zeros(0, dtype=np.float32),
            np.concatenate(rows_i) if rows_i else np.zeros(0, dtype=np.int64),
            np.array(new_ptr, dtype=np.int64),
        ),
        shape=matrix.shape,
    )


@dataclass
class MeasureEntry:
    number: str
    heading: str | None
    span: tuple[int, int]
    text: str


@dataclass
class Prepared:
    """A document ready to index (built in a worker process, picklable)."""

    key: Hashable
    fields: dict[str, Any]
    measures: list[MeasureEntry]
    counts: sparse.csr_matrix  # per measure: hashed 3-gram counts
    df_ids: np.ndarray  # the distinct 2- and 3-gram buckets of each measure, concatenated
    signatures: np.ndarray  # per measure: MinHash hash values


def prepare_document(key: Hashable, document: Document) -> Prepared:
    """Everything the index needs from one document (pure, runs in any process).

    The measures are folded one by one, then hashed together in a few numpy passes.
    """
    entries = [
        MeasureEntry(m.number, m.heading, (int(m.span[0]), int(m.span[1])), m.text)
        for m in document.measures
    ]
    folded = [fold(m.text).text for m in document.measures]
    rows = len(folded)
    h2, owner2 = features.batch_grams(folded, 2)
    h3, owner3 = features.batch_grams(folded, 3)
    dim = np.uint64(features.DIM)
    ids2 = (h2 % dim).astype(np.int64)
    ids3 = (h3 % dim).astype(np.int64)
    counts = sparse.csr_matrix(
        (np.ones(len(ids3), dtype=np.float32), (owner3, ids3)), shape=(rows, features.DIM)
    )
    counts.sum_duplicates()
    pairs = np.unique(
        np.concatenate([owner2, owner3]) * features.DIM + np.concatenate([ids2, ids3])
    )
    df_ids = (pairs % features.DIM).astype(np.int32)
    return Prepared(key, document_fields(document), entries, counts, df_ids, signatures(folded))


def _prepare_star(args: tuple[Hashable, Any]) -> Prepared:
    key, source = args
    document = source() if callable(source) else source
    return prepare_document(key, document)


@dataclass
class _Doc:
    key: Hashable
    fields: dict[str, Any]
    measures: list[MeasureEntry]
    first_row: int


@dataclass
class LibraryProposals:
    child: Document
    parents: list[dict[str, Any]]  # document fields of every parent that has a candidate
    proposals: list[Proposal]
    keys: list[Hashable] = field(default_factory=list)  # parent document key per ``parents`` entry

    def to_dict(self) -> dict[str, Any]:
        return {
            "child": document_fields(self.child),
            "parents": self.parents,
            "proposals": [
                {
                    "child": p.child.to_dict(),
                    "candidates": [
                        {**c.to_dict(), "document": c.parent.document} for c in p.candidates
                    ],
                }
                for p in self.proposals
            ],
        }


class LineageIndex:
    """Library-wide candidate index (see the module docstring)."""

    def __init__(self, *, redis_url: str | None = None, basename: str = "policyledger:lineage"):
        storage = None
        if redis_url:
            from urllib.parse import urlparse

            url = urlparse(redis_url)
            storage = {
                "type": "redis",
                "basename": basename.encode(),
                "redis": {
                    "host": url.hostname or "127.0.0.1",
                    "port": url.port or 6379,
                    "db": int((url.path or "/0").strip("/") or 0),
                    **({"password": url.password} if url.password else {}),
                },
            }
        self.lsh = MinHashLSH(
            threshold=LSH_THRESHOLD, num_perm=NUM_PERM, storage_config=storage, prepickle=True
        )
        self.docs: list[_Doc] = []
        self.by_key: dict[Hashable, int] = {}
        self.df = np.zeros(features.DIM, dtype=np.int32)
        self.rows = 0
        self._pending: list[sparse.csr_matrix] = []
        self._pending_df: list[np.ndarray] = []
        self._row_doc_parts: list[np.ndarray] = []
        self._matrix: sparse.csr_matrix | None = None
        self._row_doc: np.ndarray = np.zeros(0, dtype=np.int32)
        self._idf: np.ndarray | None = None

    # -- building ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def measures(self) -> int:
        return self.rows

    def add(self, key: Hashable, document: Document) -> None:
        """Index one document (replaces nothing: use ``remove`` first to re-index a key)."""
        self.add_prepared(prepare_document(key, document))

    def add_prepared(self, prepared: Prepared) -> None:
        if prepared.key in self.by_key:
            raise ValueError(f"文件已在索引中：{prepared.key}")
        doc_index = len(self.docs)
        self.docs.append(_Doc(prepared.key, prepared.fields, prepared.measures, self.rows))
        self.by_key[prepared.key] = doc_index
        if prepared.measures:
            self._pending.append(prepared.counts)
            self._row_doc_parts.append(np.full(len(prepared.measures), doc_index, dtype=np.int32))
            self._pending_df.append(prepared.df_ids)
            with self.lsh.insertion_session() as session:
                for i, hv in enumerate(prepared.signatures):
                    # Keyed by (document key, measure index), not by row: rows are local to
                    # this process, while a Redis-backed LSH is shared by several processes.
                    session.insert((prepared.key, i), _lean(hv))
        self.rows += len(prepared.measures)
        self._idf = None

    def build(
        self,
        documents: Iterable[tuple[Hashable, Any]],
        *,
        processes: int | None = None,
        progress: Callable[[int], None] | None = None,
        chunksize: int = 16,
    ) -> None:
        """Index ``(key, Document or zero-argument callable returning one)`` pairs in a pool.

        ``progress(n)`` is called after each document. With ``processes=1`` no pool is started.
        """
        processes = processes or os.cpu_count() or 1
        # The LSH holds millions of small objects and makes no reference cycles: the cyclic
        # collector's full passes over them would make a long build grow faster than linearly.
        collecting = gc.isenabled()
        gc.disable()
        try:
            if processes == 1:
                for item in documents:
                    self.add_prepared(_prepare_star(item))
                    if progress:
                        progress(1)
                return
            with ProcessPoolExecutor(max_workers=processes) as pool:
                for prepared in pool.map(_prepare_star, documents, chunksize=chunksize):
                    self.add_prepared(prepared)
                    if progress:
                        progress(1)
        finally:
            if collecting:
                gc.enable()

    def _finish(self) -> None:
        if self._pending_df:
            self.df += np.bincount(np.concatenate(self._pending_df), minlength=features.DIM).astype(
                np.int32
            )
            self._pending_df = []
        if self._pending:
            parts = ([self._matrix] if self._matrix is not None else []) + self._pending
            self._matrix = sparse.vstack(parts, format="csr")
            self._row_doc = np.concatenate([self._row_doc, *self._row_doc_parts])
            self._pending, self._row_doc_parts = [], []
        if self._idf is None:
            self._idf = features.idf(self.df, max(1, self.rows))
            if self._matrix is not None:
                weighted = features.tfidf(self._matrix, self._idf).T.tocsr()
                # One index dtype on both sides of the product, or scipy copies this matrix.
                weighted.indices = weighted.indices.astype(np.int64)
                weighted.indptr = weighted.indptr.astype(np.int64)
                self._weighted = weighted

    # -- querying ---------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = RETRIEVE) -> list[tuple[Hashable, int, float]]:
        """Library measures most like ``text``: (document key, measure index, cosine) best first,
        then text-reuse neighbours from the LSH that the cosine missed (cosine 0 reported)."""
        self._finish()
        if self._matrix is None:
            return []
        folded = fold(text).text
        rows = self._retrieve([folded], limit)[0]
        return [
            (self.docs[self._row_doc[r]].key, r - self.docs[self._row_doc[r]].first_row, s)
            for r, s in rows
        ]

    def _retrieve(self, folded: list[str], limit: int) -> list[list[tuple[int, float]]]:
        counts = features.count_matrix([features.ngram_ids(f, (3,)) for f in folded])
        query = _strongest(features.tfidf(counts, self._idf).tocsr(), QUERY_TERMS)
        query.indices = query.indices.astype(np.int64)
        query.indptr = query.indptr.astype(np.int64)
        scores = (query @ self._weighted).toarray()
        out = []
        for qi, f in enumerate(folded):
            row = scores[qi]
            k = min(limit, len(row))
            top = np.argpartition(-row, k - 1)[:k] if k else np.zeros(0, dtype=int)
            top = top[np.argsort(-row[top], kind="stable")]
            found = [(int(r), float(row[r])) for r in top if row[r] > 0]
            seen = {r for r, _ in found}
            rows = []
            for key, i in self.lsh.query(_lean(signatures([f])[0])):
                d = self.by_key.get(key)
                if d is not None and i < len(self.docs[d].measures):
                    rows.append(self.docs[d].first_row + i)
            found += [(r, float(row[r])) for r in sorted(rows) if r not in seen]
            out.append(found)
        return out

    def propose(
        self,
        child: Document,
        *,
        parents: Iterable[Hashable] = (),
        limit: int = LIMIT,
        documents: int = CANDIDATE_DOCUMENTS,
        exclude: Iterable[Hashable] = (),
    ) -> LibraryProposals:
        """Candidates for each measure of ``child`` among the library's measures.

        ``parents`` (keys of documents the child cites) are always scored in full; beside them the
        ``documents`` library documents that the child's measures retrieve most strongly.
        ``exclude`` leaves documents out (the child itself when it is in the library).
        """
        self._finish()
        child_items = items_of(child)
        child_refs = [
            MeasureRef(m.number, m.heading, (int(m.span[0]), int(m.span[1])), 0, i)
            for i, m in enumerate(child.measures)
        ]
        excluded = {self.by_key[k] for k in exclude if k in self.by_key}
        chosen = [
            self.by_key[k] for k in parents if k in self.by_key and self.by_key[k] not in excluded
        ]
        if child_items and self._matrix is not None:
            weight: dict[int, float] = {}
            for hits in self._retrieve([it.folded.text for it in child_items], RETRIEVE):
                best_per_doc: dict[int, float] = {}
                for r, s in hits:
                    d = int(self._row_doc[r])
                    best_per_doc[d] = max(best_per_doc.get(d, 0.0), s if s > 0 else 0.5)
                for d, s in best_per_doc.items():
                    weight[d] = weight.get(d, 0.0) + s
            ranked_docs = sorted(
                (d for d in weight if d not in excluded and d not in chosen),
                key=lambda d: (-weight[d], d),
            )
            chosen += ranked_docs[:documents]
        if not child_items or not chosen:
            return LibraryProposals(child, [], [Proposal(ref, []) for ref in child_refs])
        parent_items: list[Item] = []
        refs: list[MeasureRef] = []
        blocks: list[tuple[int, int]] = []
        for slot, d in enumerate(chosen):
            doc = self.docs[d]
            total = max(1, len(doc.measures) - 1)
            start = len(parent_items)
            for i, m in enumerate(doc.measures):
                parent_items.append(prepare((d, i), m.number, m.heading, m.span, m.text, i / total))
                refs.append(MeasureRef(m.number, m.heading, m.span, slot, i))
            blocks.append((start, len(parent_items)))
        scorer = Scorer(self._idf)
        similarity = (scorer.vectors(child_items) @ scorer.vectors(parent_items).T).toarray()
        standings = np.zeros_like(similarity)
        for start, end in blocks:
            if end > start:
                standings[:, start:end] = np.vstack([standing(r) for r in similarity[:, start:end]])
        ranked = rank(
            scorer, child_items, parent_items, similarity, standings, refs, limit=limit, rerank=15
        )
        return LibraryProposals(
            child,
            [self.docs[d].fields for d in chosen],
            [Proposal(ref, c) for ref, c in zip(child_refs, ranked, strict=True)],
            [self.docs[d].key for d in chosen],
        )

    def lineage(self, parent_key: Hashable, child: Document, parent: Document) -> Lineage:
        """Pair proposals with the library's IDF (for a child against one indexed parent)."""
        result = self.propose(child, parents=[parent_key], documents=0)
        return Lineage(parent, child, result.proposals)


def iter_progress(total: int, label: str = "建立索引") -> tuple[Callable[[int], None], Iterator]:
    """A rich progress bar on stderr: returns (advance, context manager)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=total)
    return (lambda n: bar.advance(task, n)), bar
