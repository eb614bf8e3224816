"""Where a higher app adds to the accounts app's pages and work; accounts never imports it.

- ``set_unit_detail(provider)``: ``provider(user, unit)`` returns the extra context of a unit's
  page (tracking: the unit's tasks, warning counts and warning history as ``user`` may see them).
- ``on_units_merged(receiver)``: ``receiver(source, target)`` runs inside ``merge_units``'
  transaction, before ``source`` is deleted, and moves the app's own rows that name ``source``
  to ``target`` (documents: measure-unit links; tracking: tasks' lead and support units, warning
  history). It returns ``{label: count}`` for the audit record; a receiver that raises undoes the
  whole merge.
- ``set_rows_rule(kind, rule)``: ``rule(user, queryset)`` returns the rows of ``kind`` that
  ``user`` may read (``queryset`` None: from all of them); ``accounts.permissions`` asks it.
  tracking registers ``"tasks"`` and ``"reports"``, documents ``"documents"``.
- ``set_task_reader(check)``: ``check(user, task)`` is ``"tasks"``' rule for one loaded task
  (tracking; ``permissions.may_read_task``).

The documents and tracking apps register them in their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UnitDetail = Callable[[Any, Any], dict[str, Any]]
UnitsMerged = Callable[[Any, Any], dict[str, int]]

RowsRule = Callable[[Any, Any], Any]
TaskReader = Callable[[Any, Any], bool]

_unit_detail: list[UnitDetail] = []
_units_merged: list[UnitsMerged] = []
_rows_rules: dict[str, RowsRule] = {}
_task_reader: list[TaskReader] = []


def set_unit_detail(provider: UnitDetail) -> None:
    _unit_detail[:] = [provider]


def unit_detail(user, unit) -> dict[str, Any]:
    if not _unit_detail:
        return {"tasks": [], "flips": [], "warning_counts": []}
    return _unit_detail[0](user, unit)


def on_units_merged(receiver: UnitsMerged) -> UnitsMerged:
    if receiver not in _units_merged:
        _units_merged.append(receiver)
    return receiver


def units_merged(source, target) -> dict[str, int]:
    """Run every merge receiver; what each moved, by label."""
    moved: dict[str, int] = {}
    for receiver in _units_merged:
        moved.update(receiver(source, target))
    return moved


def set_rows_rule(kind: str, rule: RowsRule) -> RowsRule:
    _rows_rules[kind] = rule
    return rule


def rows_rule(kind: str) -> RowsRule:
    try:
        return _rows_rules[kind]
    except KeyError:
        raise LookupError(f"no app registered the access rule for {kind!r}") from None


def set_task_reader(check: TaskReader) -> TaskReader:
    _task_reader[:] = [check]
    return check


def task_reader() -> TaskReader:
    if not _task_reader:
        raise LookupError("no app registered the access rule for one task")
    return _task_reader[0]


# ---------------------------------------------------------------------------------------------
# Users without a platform role (residents, merchants' clerks, voucher administrators, subsidy
# applicants): the apps that serve them say which of their pages are that user's, so the login
# lands there and the navigation shows them instead of the staff pages.
# ---------------------------------------------------------------------------------------------

OwnLinks = Callable[[Any], list[tuple[int, str, str]]]
"""``provider(user)`` -> ``[(priority, label, url)]``; the lowest priority is where they land."""

_own_links: list[OwnLinks] = []


def add_own_links(provider: OwnLinks) -> OwnLinks:
    if provider not in _own_links:
        _own_links.append(provider)
    return provider


def own_links(user) -> list[tuple[int, str, str]]:
    """The pages of a user without a platform role, most useful first (no duplicates)."""
    links: list[tuple[int, str, str]] = []
    for provider in _own_links:
        links.extend(provider(user))
    seen: set[str] = set()
    out = []
    for link in sorted(links, key=lambda link: link[0]):
        if link[2] not in seen:
            seen.add(link[2])
            out.append(link)
    return out


def landing(user) -> str | None:
    """Where a user without a platform role starts: their most useful page."""
    links = own_links(user)
    return links[0][2] if links else None
