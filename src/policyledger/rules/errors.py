"""The one error type of the rules library."""

from __future__ import annotations


class RuleError(Exception):
    """A rule that cannot be accepted or evaluated.

    ``node_id`` names the JDM node that is wrong (``None`` when the fault is not in one node, e.g.
    the document's outer structure or an input); ``message`` is Chinese, for the officer.
    """

    def __init__(self, node_id: str | None, message: str) -> None:
        self.node_id = node_id
        self.message = message
        where = f"[{node_id}] " if node_id else ""
        super().__init__(f"{where}{message}")
