"""Append-only history: who changed what, when, with the state before and after."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from policyledger.web.core.models import AuditLog


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a model's concrete fields (foreign keys by id; Decimal money as its
    exact text, "12345678.91", never a float)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        data[field.name] = _json(value)
    return data


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return value


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    task_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
) -> AuditLog:
    """Write one audit row; call it inside the transaction of the change it describes."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk if object_id is None else object_id
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        task_id_ref=task_id,
        before=before,
        after=after,
        at=timezone.now(),
    )


def changes(entry: AuditLog) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for the fields that differ, for display."""
    before = entry.before or {}
    after = entry.after or {}
    keys = [k for k in after if k not in ("updated_at", "version")]
    keys += [k for k in before if k not in after and k not in ("updated_at", "version")]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# ---------------------------------------------------------------------------------------------
# Labels for reading the log. Each app registers the actions it records, its object types, its
# field labels and how to name its objects (in its AppConfig.ready), so the system-wide log can
# show every row in Chinese while core imports no app above it.
# ---------------------------------------------------------------------------------------------

Namer = Callable[[set[str]], dict[str, str]]
"""``namer(ids)`` -> ``{id: name}`` for the ids it still knows, in one query."""

ACTIONS: dict[str, str] = {}
OBJECT_TYPES: dict[str, str] = {}
FIELDS: dict[str, str] = {}
MONEY_FIELDS: set[str] = set()  # values in yuan
_object_namers: dict[str, Namer] = {}
_value_namers: dict[str, Namer] = {}
VALUE_LABELS: dict[str, dict[str, str]] = {}


def register(
    *,
    actions: dict[str, str] | None = None,
    object_types: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
    money_fields: set[str] | None = None,
    object_namers: dict[str, Namer] | None = None,
    value_namers: dict[str, Namer] | None = None,
    value_labels: dict[str, dict[str, str]] | None = None,
) -> None:
    """Add an app's labels: ``actions`` (``"task.close"`` -> ``"关闭任务"``), ``object_types``
    (model name -> Chinese), ``fields`` (key in before/after -> Chinese), ``money_fields`` (keys
    holding yuan), ``object_namers`` (object type -> namer of its objects) and ``value_namers``
    (a key whose values are ids -> namer of those ids), ``value_labels`` (a key whose values are
    codes -> {code: label}); keys may be ``"object_type.key"`` to hold for one type only."""
    ACTIONS.update(actions or {})
    OBJECT_TYPES.update(object_types or {})
    FIELDS.update(fields or {})
    MONEY_FIELDS.update(money_fields or set())
    _object_namers.update(object_namers or {})
    _value_namers.update(value_namers or {})
    VALUE_LABELS.update(value_labels or {})


def action_label(action: str) -> str:
    return ACTIONS.get(action) or f"其他操作（{action}）"


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type or "—")


def field_label(key: str, object_type: str = "") -> str:
    return FIELDS.get(f"{object_type}.{key}") or FIELDS.get(key) or key


def object_names(entries: list[AuditLog]) -> dict[tuple[str, str], str]:
    """``{(object_type, object_id): name}`` for the entries, one query per object type."""
    wanted: dict[str, set[str]] = {}
    for e in entries:
        if e.object_type in _object_namers and e.object_id.isdigit():
            wanted.setdefault(e.object_type, set()).add(e.object_id)
    out: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        for pk, name in _object_namers[kind](ids).items():
            out[(kind, str(pk))] = name
    return out


def value_key(object_type: str, key: str) -> str | None:
    """The registered value namer for ``key`` in an entry about ``object_type``: one registered
    as ``"object_type.key"`` first (a lineage link's ``parent`` is a measure, a unit's is a
    unit), then one for ``key`` alone."""
    for candidate in (f"{object_type}.{key}", key):
        if candidate in _value_namers:
            return candidate
    return None


def value_label(object_type: str, key: str, value: str) -> str | None:
    for candidate in (f"{object_type}.{key}", key):
        labels = VALUE_LABELS.get(candidate)
        if labels is not None and value in labels:
            return labels[value]
    return None


def value_namer(name: str) -> Namer:
    return _value_namers[name]
