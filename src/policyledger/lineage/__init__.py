"""Policy lineage (政策对标): which measures of a child document implement which parent measures.

Pure Python (numpy, scipy, datasketch; no Django), so analysts can script it and the web platform,
the CLI and the tests call the same code:

- ``propose(parent, child)``: for each child measure, its candidate parent measures best first,
  each with a score in [0, 1], a confidence (high / medium / low) and the shared phrases;
- ``LineageIndex``: the same proposals against a whole library (MinHash LSH for text reuse and a
  sparse TF-IDF index over character n-grams for similarity), built in a process pool;
- ``evaluation``: scoring against hand-checked links (the ``lineage-dev`` format).

Matching uses text reuse (shared character runs), similarity (character n-gram TF-IDF) and
structure (relative order, shared amounts and percentages), never a list of policy words.
"""

from policyledger.lineage.index import LineageIndex
from policyledger.lineage.propose import (
    Candidate,
    Lineage,
    MeasureRef,
    Proposal,
    document_fields,
    propose,
)

__all__ = [
    "Candidate",
    "Lineage",
    "LineageIndex",
    "MeasureRef",
    "Proposal",
    "document_fields",
    "propose",
]
