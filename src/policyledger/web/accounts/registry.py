"""Keeping the unit registry: search, edit (rename keeps the old name as an alias), contacts,
deactivate, and merge duplicates (省文化厅 -> 省文化和旅游厅) with the higher apps' rows moved
through ``hooks.on_merge``. Every change is audited.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q, QuerySet

from policyledger.web.accounts import hooks, permissions
from policyledger.web.accounts.models import Profile, Unit
from policyledger.web.accounts.services import UnitError, _checked_name, normalise_name
from policyledger.web.core import audit

logger = logging.getLogger("policyledger.web.accounts")

EDITABLE = [
    "name",
    "aliases",
    "level",
    "parent",
    "active",
    "contact_name",
    "contact_phone",
    "leader_name",
    "leader_email",
]


def search_units(q: str = "", *, active: bool | None = None) -> QuerySet[Unit]:
    units = Unit.objects.select_related("parent")
    q = normalise_name(q)
    if q:
        # Aliases are a JSON list (stored escaped on some databases): matched here, the registry
        # being hundreds of units, not millions.
        by_alias = [
            pk
            for pk, aliases in Unit.objects.exclude(aliases=[]).values_list("pk", "aliases")
            if any(q in a for a in aliases or [])
        ]
        units = units.filter(
            Q(name__icontains=q) | Q(pk__in=by_alias) | Q(contact_name__icontains=q)
        )
    if active is not None:
        units = units.filter(active=active)
    return units.order_by("-active", "level", "name")


def _check_aliases(unit: Unit, name: str, aliases: list[str]) -> list[str]:
    clean: list[str] = []
    for alias in aliases:
        alias = normalise_name(alias)
        if alias and alias != name and alias not in clean:
            clean.append(alias[:100])
    others = Unit.objects.exclude(pk=unit.pk)
    taken = sorted(set(others.filter(name__in=clean).values_list("name", flat=True)))
    if taken:
        raise UnitError(
            f"别名“{'、'.join(taken)}”是另一个单位的名称，不能作为别名（重复的单位请用“合并”）"
        )
    for other in others.exclude(aliases=[]).only("name", "aliases"):
        shared = sorted(set(other.aliases or []) & set(clean))
        if shared:
            raise UnitError(f"别名“{'、'.join(shared)}”已是单位“{other.name}”的别名")
    return clean


def edit_unit(
    user,
    unit_id: int,
    *,
    name: str,
    aliases: list[str],
    level: str = "",
    parent_id: int | None = None,
    active: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    leader_name: str = "",
    leader_email: str = "",
) -> Unit:
    """Change a unit; a new name keeps the old one as an alias, so documents still match it."""
    permissions.require_admin(user)
    key = _checked_name(name)
    if level and level not in Unit.Level.values:
        raise UnitError("单位层级只能是省、市或县")
    if leader_email and "@" not in leader_email:
        raise UnitError("分管领导邮箱格式不正确")
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit_id)
        before = audit.snapshot(unit, EDITABLE)
        if key != unit.name:
            if Unit.objects.filter(name=key).exclude(pk=unit.pk).exists():
                raise UnitError(f"单位“{key}”已存在；重复的单位请用“合并”")
            aliases = [*aliases, unit.name]
        parent = None
        if parent_id:
            parent = Unit.objects.filter(pk=parent_id).exclude(pk=unit.pk).first()
            if parent is None:
                raise UnitError("所选上级单位不存在")
        unit.name = key
        unit.aliases = _check_aliases(unit, key, aliases)
        unit.level = level
        unit.parent = parent
        unit.active = active
        unit.contact_name = contact_name.strip()[:50]
        unit.contact_phone = contact_phone.strip()[:30]
        unit.leader_name = leader_name.strip()[:50]
        unit.leader_email = leader_email.strip()[:254]
        unit.save()
        audit.record(user, "unit.edit", unit, before=before, after=audit.snapshot(unit, EDITABLE))
    logger.info("unit %s edited by %s", unit.pk, user)
    return unit


def merge_units(user, source_id: int, target_id: int) -> dict[str, int]:
    """Merge a duplicate unit into the one kept: its tasks, links, people and names move over,
    the duplicate is deactivated (kept for history). All in one transaction, audited."""
    permissions.require_admin(user)
    if source_id == target_id:
        raise UnitError("不能把单位合并到它自己")
    with transaction.atomic():
        units = Unit.objects.select_for_update().in_bulk([source_id, target_id])
        source, target = units.get(source_id), units.get(target_id)
        if source is None or target is None:
            raise UnitError("所选单位不存在")
        if not target.active:
            raise UnitError(f"单位“{target.name}”已停用，不能合并到它")
        moved = hooks.merged(source, target)
        moved["用户"] = Profile.objects.filter(unit=source).update(unit=target)
        Unit.objects.filter(parent=source).exclude(pk=target.pk).update(parent=target)
        names = [source.name, *(source.aliases or [])]
        target.aliases = [
            *(target.aliases or []),
            *(n for n in names if n not in (target.aliases or []) and n != target.name),
        ]
        target.save(update_fields=["aliases"])
        source.active = False
        source.aliases = []
        source.save(update_fields=["active", "aliases"])
        audit.record(
            user,
            "unit.merge",
            target,
            before={"merged": source.name, "merged_id": source.pk},
            after={"into": target.name, "moved": moved, "aliases": target.aliases},
        )
    logger.info("unit %s merged into %s by %s: %s", source.pk, target.pk, user, moved)
    return moved
