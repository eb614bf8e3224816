"""The published lottery algorithm, standard library only, so anyone can re-run a draw.

Sort the entrant ids ascending, then Fisher-Yates from the end: for i = n-1 down to 1, swap
position i with position j = int(sha256(f"{seed}:{i}"), big-endian) mod (i + 1). The result is
the ranking; winners are taken from the front.
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
