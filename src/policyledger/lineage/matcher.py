"""Pairwise scoring of child measures against parent measures.

For every (child measure, parent measure) pair the matcher measures:

- ``similarity``: cosine of sublinear TF-IDF vectors over character 2- and 3-grams (IDF from the
  measures being compared, or from the whole library);
- ``reuse``: the share of the smaller measure covered by maximal shared runs of at least six
  characters, each run weighted by how informative its n-grams are (a phrase every measure repeats
  weighs little), and ``longest``, the informative length of the longest run;
- ``quantities``: amounts, shares and counts printed in both (``15%``, ``2000元``);
- ``order``: how close the two measures sit in their documents (relative position);
- ``standing``: how far the similarity stands out from the child's similarity to the *other*
  measures of the same parent document (a leave-one-out z-score). Absolute cosines depend on the
  genre (a finance document carrying out an agriculture document shares few n-grams with any of
  its measures), while the measure it implements still stands out from its siblings.

These combine in a logistic model into a score in ``[0, 1]``; its weights were set on the
lineage-dev pairs and checked by leaving each pair out (the weight on ``standing`` stays near 1.5).
The confidence comes from the kind of evidence (a long verbatim run is high, similarity alone is
at most medium). Nothing here knows a policy word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from policyledger.lineage import features
from policyledger.lineage.reuse import Run, shared_runs
from policyledger.lineage.text import Folded, fold, quantities

MIN_RUN = 6  # shortest shared run that counts as reuse (content characters)


@dataclass
class Item:
    """A measure prepared for matching."""

    key: object  # whatever identifies the measure to the caller
    number: str
    heading: str | None
    span: tuple[int, int]
    folded: Folded
    position: float  # relative position in its document, 0..1
    quantities: set[str] = field(default_factory=set)
    ids: np.ndarray | None = None  # hashed 2/3-gram bucket ids
    ids3: np.ndarray | None = None  # hashed 3-gram bucket ids (informativeness of runs)


def prepare(
    key: object, number: str, heading: str | None, span, text: str, position: float
) -> Item:
    folded = fold(text)
    return Item(
        key=key,
        number=number,
        heading=heading,
        span=(int(span[0]), int(span[1])),
        folded=folded,
        position=position,
        quantities=quantities(folded.text),
        ids=features.ngram_ids(folded.text, (2, 3)),
        ids3=None,
    )


@dataclass
class Evidence:
    similarity: float
    reuse: float
    longest: float
    shared_quantities: int
    order: float
    standing: float
    runs: list[Run]

    def score(self) -> float:
        z = (
            -3.9
            + 1.45 * self.standing
            + 0.5 * self.similarity
            + 0.2 * self.reuse
            + 1.0 * min(self.longest, 30.0) / 30.0
            + 0.3 * min(self.shared_quantities, 3)
            + 0.6 * self.order
        )
        return 1.0 / (1.0 + math.exp(-z))


# Leave-one-out standing: below this many sibling measures the spread is taken from these priors.
MIN_SIBLINGS = 3
PRIOR_MEAN = 0.03
PRIOR_SD = 0.03
SD_FLOOR = 0.015
STANDING_CAP = 6.0


def standing(similarities: np.ndarray) -> np.ndarray:
    """Leave-one-out z-score of each similarity against the others of one parent document."""
    s = np.asarray(similarities, dtype=np.float64)
    n = len(s)
    if n - 1 < MIN_SIBLINGS:
        z = (s - PRIOR_MEAN) / PRIOR_SD
    else:
        total, squares = s.sum(), (s * s).sum()
        mean = (total - s) / (n - 1)
        var = np.maximum((squares - s * s) / (n - 1) - mean * mean, 0.0)
        z = (s - mean) / np.maximum(np.sqrt(var), SD_FLOOR)
    return np.clip(z, -STANDING_CAP, STANDING_CAP)


class Scorer:
    """Scores child items against parent items with one IDF table."""

    def __init__(self, idf: np.ndarray) -> None:
        self.idf = idf
        self.max_idf = float(idf.max()) if len(idf) else 1.0

    def vectors(self, items: list[Item]) -> sparse.csr_matrix:
        return features.tfidf(features.count_matrix([it.ids for it in items]), self.idf)

    def informativeness(self, text: str) -> float:
        """Mean idf of the content 3-grams of ``text``, scaled to 0..1 by the largest idf."""
        ids = features.ngram_ids(text, (3,))
        if not len(ids):
            return 0.0
        return float(self.idf[ids].mean()) / self.max_idf

    def evidence(self, child: Item, parent: Item, similarity: float, standing: float) -> Evidence:
        runs = shared_runs(child.folded.text, parent.folded.text, min_length=MIN_RUN)
        covered = 0.0
        longest = 0.0
        for run in runs:
            text = child.folded.text[run.child : run.child + run.length]
            weight = self.informativeness(text)
            covered += run.length * weight
            longest = max(longest, run.length * weight)
        base = max(1, min(len(child.folded.text), len(parent.folded.text)))
        return Evidence(
            similarity=similarity,
            reuse=min(1.0, covered / base),
            longest=longest,
            shared_quantities=len(child.quantities & parent.quantities),
            order=1.0 - abs(child.position - parent.position),
            standing=standing,
            runs=runs,
        )


def pair_idf(items: list[Item]) -> np.ndarray:
    counts = features.count_matrix([it.ids for it in items])
    return features.idf(features.document_frequency(counts), len(items))
