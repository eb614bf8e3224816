"""Append-only history: who changed what, when, with the state before and after."""

from __future__ import annotations

import datetime as dt
import decimal
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
