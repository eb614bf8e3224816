"""Proposals for a child document against one or more parent documents (the library's entry point)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from policyledger.lineage.matcher import Evidence, Item, Scorer, pair_idf, prepare, standing
from policyledger.lineage.text import is_content
from policyledger.parsing.model import Document, Measure

Confidence = Literal["high", "medium", "low"]

LIMIT = 5  # candidates kept per child measure
MIN_SCORE = 0.2  # below this a parent measure is not a plausible candidate
RELATIVE = 0.1  # ... nor when it scores under this share of the best candidate
HIGH_SCORE = 0.5  # high confidence: at least this score ...
HIGH_RUN = 10.0  # ... and a shared verbatim run of this informative length (characters)
MEDIUM_SCORE = 0.4
SHARED_MAX = 5  # shared phrases reported per candidate
SHARED_MIN = 4  # shortest shared phrase reported (content characters)


@dataclass
class MeasureRef:
    number: str
    heading: str | None
    span: tuple[int, int]
    document: int = 0  # index of the parent document (0 for a single pair)
    measure: int = 0  # index of the measure in its document

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "heading": self.heading, "span": list(self.span)}


@dataclass
class Candidate:
    parent: MeasureRef
    score: float
    confidence: Confidence
    shared: list[str]
    evidence: Evidence | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parent": self.parent.to_dict(),
            "score": round(self.score, 4),
            "confidence": self.confidence,
            "shared": list(self.shared),
        }


@dataclass
class Proposal:
    child: MeasureRef
    candidates: list[Candidate]

    def to_dict(self) -> dict[str, Any]:
        return {"child": self.child.to_dict(), "candidates": [c.to_dict() for c in self.candidates]}


@dataclass
class Lineage:
    parent: Document
    child: Document
    proposals: list[Proposal]

    def to_dict(self) -> dict[str, Any]:
        return {
            "parent": document_fields(self.parent),
            "child": document_fields(self.child),
            "proposals": [p.to_dict() for p in self.proposals],
        }


def document_fields(document: Document) -> dict[str, Any]:
    return {
        "name": document.source.name,
        "title": document.title,
        "issuer": document.issuer,
        "doc_number": document.doc_number,
        "date": document.date,
        "region": document.region,
        "measures": len(document.measures),
    }


def items_of(document: Document, doc_index: int = 0) -> list[Item]:
    total = max(1, len(document.measures) - 1)
    return [
        prepare((doc_index, i), m.number, m.heading, m.span, m.text, i / total)
        for i, m in enumerate(document.measures)
    ]


def confidence(evidence: Evidence, score: float) -> Confidence:
    """High needs verbatim reuse of an informative clause; similarity alone is at most medium."""
    if score >= HIGH_SCORE and evidence.longest >= HIGH_RUN:
        return "high"
    if score >= MEDIUM_SCORE:
        return "medium"
    return "low"


def rank(
    scorer: Scorer,
    child_items: list[Item],
    parent_items: list[Item],
    similarity: np.ndarray,
    standings: np.ndarray,
    refs: list[MeasureRef],
    *,
    limit: int = LIMIT,
    rerank: int = 25,
) -> list[list[Candidate]]:
    """Candidates for each child item.

    ``similarity`` is the child × parent cosine matrix and ``standings`` the matching leave-one-out
    z-scores (each computed within the parent measure's own document).
    """
    out: list[list[Candidate]] = []
    for ci, child in enumerate(child_items):
        row = similarity[ci]
        # Text reuse is examined for the parents that stand out most (all of them in a pair).
        order = np.argsort(-(standings[ci] + row), kind="stable")[:rerank]
        scored: list[tuple[float, int, Evidence]] = []
        for pi in order:
            evidence = scorer.evidence(
                child, parent_items[pi], float(row[pi]), float(standings[ci][pi])
            )
            scored.append((evidence.score(), int(pi), evidence))
        scored.sort(key=lambda t: (-t[0], t[1]))
        best = scored[0][0] if scored else 0.0
        candidates: list[Candidate] = []
        for score, pi, evidence in scored:
            if len(candidates) >= limit or score < MIN_SCORE or score < RELATIVE * best:
                break
            candidates.append(
                Candidate(
                    parent=refs[pi],
                    score=score,
                    confidence=confidence(evidence, score),
                    shared=shared_phrases(child, evidence),
                    evidence=evidence,
                )
            )
        out.append(candidates)
    return out


def shared_phrases(child: Item, evidence: Evidence) -> list[str]:
    """The longest shared runs as printed in the child measure, longest first."""
    phrases: list[str] = []
    folded = child.folded.text
    for run in sorted(evidence.runs, key=lambda r: (-r.length, r.child)):
        start, end = run.child, run.child + run.length
        # A phrase to highlight starts and ends on content, not on the punctuation around it.
        # Nor in the middle of a number (到2027 / 到2026 share "到202", not a number).
        if start > 0 and folded[start - 1].isdigit():
            while start < end and folded[start].isdigit():
                start += 1
        if end < len(folded) and folded[end].isdigit():
            while end > start and folded[end - 1].isdigit():
                end -= 1
        while start < end and not is_content(folded[start]):
            start += 1
        while end > start and not is_content(folded[end - 1]):
            end -= 1
        text = child.folded.original(start, end)
        if len(text) >= SHARED_MIN and text not in phrases:
            phrases.append(text)
        if len(phrases) >= SHARED_MAX:
            break
    return phrases


def _ref(measure: Measure, doc_index: int, index: int) -> MeasureRef:
    return MeasureRef(
        number=measure.number,
        heading=measure.heading,
        span=(int(measure.span[0]), int(measure.span[1])),
        document=doc_index,
        measure=index,
    )


def propose(parent: Document, child: Document, *, limit: int = LIMIT) -> Lineage:
    """For each measure of ``child``, its candidate measures in ``parent``, best first."""
    parent_items = items_of(parent)
    child_items = items_of(child)
    proposals: list[Proposal] = []
    child_refs = [_ref(m, 0, i) for i, m in enumerate(child.measures)]
    if not parent_items or not child_items:
        return Lineage(parent, child, [Proposal(ref, []) for ref in child_refs])
    scorer = Scorer(pair_idf(parent_items + child_items))
    similarity = (scorer.vectors(child_items) @ scorer.vectors(parent_items).T).toarray()
    standings = np.vstack([standing(row) for row in similarity])
    refs = [_ref(m, 0, i) for i, m in enumerate(parent.measures)]
    ranked = rank(scorer, child_items, parent_items, similarity, standings, refs, limit=limit)
    for ref, candidates in zip(child_refs, ranked, strict=True):
        proposals.append(Proposal(ref, candidates))
    return Lineage(parent, child, proposals)
