"""The published lottery algorithm, standard library only, so anyone can re-run a draw.

Sort the entrant ids ascending, then Fisher-Yates from the end: for i = n-1 down to 1, swap
position i with position j = int(sha256(f"{seed}:{i}"), big-endian) mod (i + 1). The result is
the ranking; winners are taken from the front.

The seed is final_seed(committed seed, public value): the committed seed's SHA-256 is published
when the campaign is created, the entrant list's SHA-256 and the public value when registration
closes, and the committed seed itself after the draw (docs/vouchers.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def shuffle(seed: str, entrant_ids: Iterable[int]) -> list[int]:
    order = sorted({int(i) for i in entrant_ids})
    for i in range(len(order) - 1, 0, -1):
        j = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest(), "big") % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def entrants_text(entrant_ids: Iterable[int]) -> str:
    """The published entrant list: ids ascending, one a line, each line ending in a newline."""
    return "".join(f"{i}\n" for i in sorted({int(i) for i in entrant_ids}))


def entrants_hash(entrant_ids: Iterable[int]) -> str:
    """SHA-256 of the published entrant list file (entrants_text), published at close."""
    return hashlib.sha256(entrants_text(entrant_ids).encode()).hexdigest()


def final_seed(committed_seed: str, public_value: str) -> str:
    """The seed the draw uses: SHA-256(committed seed ‖ public value), hex. The committed seed
    is 64 hex characters, so plain concatenation is unambiguous."""
    return hashlib.sha256((committed_seed + public_value).encode()).hexdigest()
