"""Where a higher app joins in the documents app's work; documents never imports it.

- ``on_publish(receiver)``: ``receiver(user, document, measures)`` runs inside ``publish()``'s
  transaction and returns what it created for the measures (tracking: one task per measure and
  lead unit). A receiver that raises undoes the publication.
  Run again when a reopened document is published anew: the receiver brings the existing work
  in line with the measures (changed ones updated, removed ones closed, new ones created).
- ``on_status_change(receiver)``: ``receiver(user, document, old, new)`` runs inside the
  transaction of a withdrawal (published → withdrawn), a restoration (withdrawn → published) or
  a reopening (published → review) and returns ``{label: count}`` for the audit record
  (tracking: closes the tasks of a withdrawn document, reopens them when it is restored).
- ``on_units_merged`` lives in ``accounts.hooks``; documents registers its receiver there.
- ``set_progress(by_measure, by_document)``: where the pages read the measures' and documents'
  progress (tracking's roll-up); without it they show none.

The tracking app registers them in ``TrackingConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Publisher = Callable[[Any, Any, list], list]
StatusChange = Callable[[Any, Any, str, str], dict[str, int]]
Progress = Callable[[Iterable[int] | None], dict[int, float]]

_publishers: list[Publisher] = []
_progress: dict[str, Progress] = {}
_status_changes: list[StatusChange] = []


def on_publish(receiver: Publisher) -> Publisher:
    if receiver not in _publishers:
        _publishers.append(receiver)
    return receiver


def published(user, document, measures: list) -> list:
    """Run every publish receiver; what they created, in order."""
    created: list = []
    for receiver in _publishers:
        created.extend(receiver(user, document, measures))
    return created


def on_status_change(receiver: StatusChange) -> StatusChange:
    if receiver not in _status_changes:
        _status_changes.append(receiver)
    return receiver


def status_changed(user, document, old: str, new: str) -> dict[str, int]:
    """Run every status-change receiver; what they changed, by label."""
    changed: dict[str, int] = {}
    for receiver in _status_changes:
        changed.update(receiver(user, document, old, new))
    return changed


def set_progress(by_measure: Progress, by_document: Progress) -> None:
    _progress["measure"] = by_measure
    _progress["document"] = by_document


def progress_by_measure(measure_ids: Iterable[int] | None = None) -> dict[int, float]:
    source = _progress.get("measure")
    return source(measure_ids) if source is not None else {}


def progress_by_document(document_ids: Iterable[int] | None = None) -> dict[int, float]:
    source = _progress.get("document")
    return source(document_ids) if source is not None else {}
