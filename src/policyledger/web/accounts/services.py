"""Units, users and API tokens: the use cases that pages, API and CLI share."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from policyledger.web.accounts.models import ApiToken, Profile, Unit
from policyledger.web.core.compiled import Compiled
from policyledger.web.core.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger("policyledger.web.accounts")

# How stale a token's last_used_at may be before a request writes it again.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Below this rapidfuzz score a registry unit is not offered as a suggestion.
SUGGESTION_CUTOFF = 60


class UnitError(ServiceError, ValueError):
    """Bad input for a unit; ``str(error)`` is a message for the user (Chinese)."""


def normalise_name(name: str) -> str:
    return "".join(name.split()).strip("，,、;；。")


def find_unit(name: str, units: list[Unit] | None = None) -> Unit | None:
    """The registry unit with this name or alias, exactly (after removing spaces)."""
    key = normalise_name(name)
    if not key:
        return None
    pool = units if units is not None else list(Unit.objects.filter(active=True))
    for unit in pool:
        if unit.name == key or key in (unit.aliases or []):
            return unit
    return None


@dataclass
class Suggestion:
    unit: Unit
    score: float


def suggest_units(name: str, limit: int = 5, units: list[Unit] | None = None) -> list[Suggestion]:
    """Registry units that look like ``name`` (fuzzy, best first), for an unknown printed name."""
    from rapidfuzz import fuzz, process

    key = normalise_name(name)
    pool = units if units is not None else list(Unit.objects.filter(active=True))
    if not key or not pool:
        return []
    choices: dict[int, str] = {}
    owners: dict[int, Unit] = {}
    i = 0
    for unit in pool:
        for label in [unit.name, *(unit.aliases or [])]:
            choices[i] = label
            owners[i] = unit
            i += 1
    best: dict[int, Suggestion] = {}
    for _label, score, idx in process.extract(
        key, choices, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=SUGGESTION_CUTOFF
    ):
        unit = owners[idx]
        if unit.pk not in best or best[unit.pk].score < score:
            best[unit.pk] = Suggestion(unit, float(score))
    return sorted(best.values(), key=lambda s: -s.score)[:limit]


def _checked_name(name: str) -> str:
    key = normalise_name(name)
    if not key:
        raise UnitError("单位名称不能为空")
    # Unit.name holds 100 characters; PostgreSQL refuses a longer one with a DataError (a 500).
    if len(key) > 100:
        raise UnitError("单位名称过长（最多100个字）")
    return key


def create_unit(
    name: str,
    *,
    level: str = "",
    parent: Unit | None = None,
    aliases: list[str] | None = None,
    contact_person: str = "",
    contact_phone: str = "",
    actor: User | None = None,
) -> Unit:
    from policyledger.web.core import audit

    key = _checked_name(name)
    if level and level not in Unit.Level.values:
        raise UnitError("单位层级只能是省、市或县")
    with transaction.atomic():
        clean = _checked_labels(key, aliases or [], exclude_pk=None)
        unit = Unit.objects.create(
            name=key,
            level=level,
            parent=parent,
            aliases=clean,
            contact_person=_checked_contact(contact_person),
            contact_phone=_checked_phone(contact_phone),
        )
        if actor is not None:
            audit.record(actor, "unit.create", unit, after=audit.snapshot(unit, UNIT_FIELDS))
    logger.info("unit created: %s (%s)", unit.name, unit.pk)
    return unit


# The fields a unit's audit records show.
UNIT_FIELDS = [
    "name",
    "aliases",
    "level",
    "parent",
    "active",
    "contact_person",
    "contact_phone",
    "leader_name",
    "leader_email",
]
MAX_ALIASES = 50
_PHONE = re.compile(r"[0-9０-９+＋()（）\-－—\s、,，/转]*")


def _checked_contact(text: str) -> str:
    value = (text or "").strip()
    if len(value) > 50:
        raise UnitError("联系人过长（最多50个字）")
    return value


def _checked_phone(text: str) -> str:
    value = (text or "").strip()
    if len(value) > 40:
        raise UnitError("联系电话过长（最多40个字符）")
    if not _PHONE.fullmatch(value):
        raise UnitError("联系电话只能包含数字、“-”、“转”、括号和空格，例如 0518-85822000")
    return value


def _checked_leader(name: str, email: str) -> tuple[str, str]:
    """The leader a 督办 escalates to: a name and an e-mail address, both optional."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    name, email = (name or "").strip(), (email or "").strip()
    if len(name) > 50:
        raise UnitError("分管领导姓名过长（最多50个字）")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise UnitError(f"分管领导邮箱“{email[:60]}”格式不正确") from None
    return name, email


def _checked_labels(name: str, aliases: list[str], *, exclude_pk: int | None) -> list[str]:
    """The unit's aliases, cleaned; refused when the name or an alias is another unit's name or
    alias (a printed name must lead to one unit only)."""
    clean: list[str] = []
    for alias in aliases:
        key = normalise_name(alias)
        if not key or key == name or key in clean:
            continue
        if len(key) > 100:
            raise UnitError(f"别名“{key[:20]}…”过长（最多100个字）")
        clean.append(key)
    if len(clean) > MAX_ALIASES:
        raise UnitError(f"别名最多{MAX_ALIASES}个")
    others = Unit.objects.exclude(pk=exclude_pk) if exclude_pk else Unit.objects.all()
    owner: dict[str, tuple[Unit, bool]] = {}
    for unit in others.only("pk", "name", "aliases"):
        owner[unit.name] = (unit, True)
        for alias in unit.aliases or []:
            owner.setdefault(alias, (unit, False))
    if name in owner:
        other, as_name = owner[name]
        if as_name:
            raise UnitError(f"单位“{name}”已存在")
        raise UnitError(f"名称“{name}”已是单位“{other.name}”的别名，请改用其他名称或合并这两个单位")
    for alias in clean:
        if alias in owner:
            other, as_name = owner[alias]
            if as_name:
                raise UnitError(f"别名“{alias}”与单位“{other.name}”的名称相同，不能使用")
            raise UnitError(f"别名“{alias}”已是单位“{other.name}”的别名，不能重复使用")
    return clean


def search_units(query: str = "", *, include_inactive: bool = False):
    """Registry units whose name, alias or contact contains ``query`` (all when empty)."""
    from django.db.models import Q

    rows = Unit.objects.select_related("parent").order_by("-active", "level", "name")
    if not include_inactive:
        rows = rows.filter(active=True)
    key = (query or "").strip()[:100]
    if key:
        # Aliases are matched here, not in SQL: SQLite stores the JSON list with \u escapes, so
        # LIKE would never find Chinese text in it (the registry is hundreds of rows).
        by_alias = [
            pk
            for pk, aliases in Unit.objects.values_list("pk", "aliases")
            if any(key.lower() in a.lower() for a in aliases or [])
        ]
        rows = rows.filter(
            Q(name__icontains=key)
            | Q(pk__in=by_alias)
            | Q(contact_person__icontains=key)
            | Q(contact_phone__icontains=key)
        )
    return rows


def _locked_unit(pk: int | None) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=pk).first() if pk else None
    if unit is None:
        raise UnitError("单位不存在")
    return unit


def update_unit(
    actor: User,
    pk: int,
    *,
    name: str,
    level: str = "",
    parent_id: int | None = None,
    aliases: list[str] | None = None,
    contact_person: str = "",
    contact_phone: str = "",
    leader_name: str | None = None,
    leader_email: str | None = None,
) -> Unit:
    """Edit a unit; a new name keeps the old one as an alias (documents printed before still
    match). The leader (``None``: unchanged) is who a 督办 escalates to. Audited."""
    from policyledger.web.core import audit

    key = _checked_name(name)
    if level and level not in Unit.Level.values:
        raise UnitError("单位层级只能是省、市或县")
    with transaction.atomic():
        unit = _locked_unit(pk)
        before = audit.snapshot(unit, UNIT_FIELDS)
        wanted = list(aliases if aliases is not None else unit.aliases or [])
        if key != unit.name and unit.name not in wanted:
            wanted.append(unit.name)
        clean = _checked_labels(key, wanted, exclude_pk=unit.pk)
        parent = None
        if parent_id:
            parent = Unit.objects.filter(pk=parent_id).first()
            if parent is None:
                raise UnitError("上级单位不存在")
            walker, seen = parent, set()
            while walker is not None and walker.pk not in seen:
                if walker.pk == unit.pk:
                    raise UnitError("上级单位不能是本单位或其下级单位")
                seen.add(walker.pk)
                walker = walker.parent
        unit.name = key
        unit.level = level
        unit.parent = parent
        unit.aliases = clean
        unit.contact_person = _checked_contact(contact_person)
        unit.contact_phone = _checked_phone(contact_phone)
        if leader_name is not None or leader_email is not None:
            unit.leader_name, unit.leader_email = _checked_leader(
                unit.leader_name if leader_name is None else leader_name,
                unit.leader_email if leader_email is None else leader_email,
            )
        unit.save()
        after = audit.snapshot(unit, UNIT_FIELDS)
        action = "unit.rename" if before["name"] != key else "unit.update"
        audit.record(actor, action, unit, before=before, after=after)
    logger.info("unit %s edited by %s", unit.pk, actor)
    return unit


def set_unit_active(actor: User, pk: int, active: bool) -> Unit:
    """Deactivate a unit (not offered in matching or pickers; its history stays) or reactivate
    it. Audited."""
    from policyledger.web.core import audit

    with transaction.atomic():
        unit = _locked_unit(pk)
        if unit.active == active:
            raise UnitError(f"单位“{unit.name}”已{'启用' if active else '停用'}")
        unit.active = active
        unit.save(update_fields=["active"])
        audit.record(
            actor,
            "unit.activate" if active else "unit.deactivate",
            unit,
            before={"active": not active},
            after={"active": active},
        )
    logger.info("unit %s %s by %s", unit.pk, "activated" if active else "deactivated", actor)
    return unit


def merge_units(actor: User, source_id: int, target_id: int) -> dict[str, int]:
    """Merge a duplicate unit into another (省文化厅 → 省文化和旅游厅) in one transaction: every
    reference moves to ``target`` (users, sub-units, and through ``hooks.on_units_merged`` the
    higher apps' rows: measure-unit links, tasks), the source's name and aliases become the
    target's aliases, the source is removed. Audited on both units. Returns what moved."""
    from django.db.models import ProtectedError

    from policyledger.web.accounts import hooks
    from policyledger.web.core import audit

    if not source_id or not target_id:
        raise UnitError("请选择要合并的两个单位")
    if source_id == target_id:
        raise UnitError("不能把单位合并到它自己")
    with transaction.atomic():
        # Both rows locked in one order, so two merges at once cannot deadlock or cross.
        locked = {
            u.pk: u
            for u in Unit.objects.select_for_update()
            .filter(pk__in=[source_id, target_id])
            .order_by("pk")
        }
        source, target = locked.get(source_id), locked.get(target_id)
        if source is None or target is None:
            raise UnitError("单位不存在")
        if not target.active:
            raise UnitError(f"单位“{target.name}”已停用，请先启用后再合并")
        before = {
            "source": audit.snapshot(source, UNIT_FIELDS),
            "target": audit.snapshot(target, UNIT_FIELDS),
        }
        moved: dict[str, int] = {}
        moved["users"] = Profile.objects.filter(unit=source).update(unit=target)
        if target.parent_id == source.pk:
            target.parent_id = source.parent_id
        moved["children"] = (
            Unit.objects.filter(parent=source).exclude(pk=target.pk).update(parent=target)
        )
        moved.update(hooks.units_merged(source, target))
        labels = [*(target.aliases or []), source.name, *(source.aliases or [])]
        target.aliases = [
            a for i, a in enumerate(labels) if a != target.name and a not in labels[:i]
        ]
        source_pk, source_name = source.pk, source.name
        try:
            source.delete()
        except ProtectedError as exc:
            raise UnitError(
                f"单位“{source_name}”仍被其他记录引用，无法合并（{len(exc.protected_objects)}条）"
            ) from exc
        target.save()
        after = {"target": audit.snapshot(target, UNIT_FIELDS), "moved": moved}
        audit.record(actor, "unit.merge", target, before=before, after=after)
        audit.record(
            actor,
            "unit.merged_into",
            object_type="unit",
            object_id=source_pk,
            before=before["source"],
            after={"merged_into": target.pk, "merged_into_name": target.name, "moved": moved},
        )
    logger.info(
        "unit %s (%s) merged into %s by %s: %s", source_pk, source_name, target.pk, actor, moved
    )
    return moved


def get_or_create_unit(name: str) -> Unit:
    key = _checked_name(name)
    unit = find_unit(key)
    if unit is not None:
        return unit
    unit, created = Unit.objects.get_or_create(name=key)
    if not unit.active:
        raise UnitError(f"单位“{unit.name}”已停用，请在单位库中启用它或选择其他单位")
    if created:
        logger.info("unit created: %s (%s)", unit.name, unit.pk)
    return unit


def create_user(
    username: str,
    password: str,
    *,
    role: str,
    unit: Unit | None = None,
    email: str = "",
    full_name: str = "",
) -> User:
    """A user with a profile; a reporter must belong to a unit."""
    if role not in Profile.Role.values:
        raise ValueError(f"unknown role {role!r}")
    if role == Profile.Role.REPORTER and unit is None:
        raise ValueError("a reporter needs a unit")
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.create_user(
            username=username, password=password, email=email, first_name=full_name
        )
        Profile.objects.create(user=user, role=role, unit=unit)
    logger.info("user created: %s role=%s unit=%s", username, role, unit)
    return user


def toggle_active(actor: User, person_id: int) -> User:
    """Switch an account off or back on, audited; returns the person with the new state."""
    from policyledger.web.core import audit

    with transaction.atomic():
        # Locked: two administrators clicking at once must not flip it twice and both be told so.
        person = get_user_model().objects.select_for_update().get(pk=person_id)
        person.is_active = not person.is_active
        person.save(update_fields=["is_active"])
        audit.record(actor, "user.active", person, after={"is_active": person.is_active})
    logger.info(
        "user %s %s by %s", person.username, "enabled" if person.is_active else "disabled", actor
    )
    return person


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TokenError(ValueError):
    """A token refused; ``str(error)`` is a message for the user (Chinese)."""


def token_days(days: object) -> int:
    """``days`` as a token lifetime (1 to API_TOKEN_MAX_DAYS); None or "" is the default."""
    if days in (None, ""):
        return settings.API_TOKEN_DAYS
    try:
        value = int(str(days).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= settings.API_TOKEN_MAX_DAYS:
        raise TokenError(f"令牌有效期须为1到{settings.API_TOKEN_MAX_DAYS}天")
    return value


def issue_token(user, name: str = "", days: object = None) -> tuple[ApiToken, str]:
    """A new API token valid for ``days`` (API_TOKEN_DAYS by default); the plain key is returned
    once and never stored."""
    lifetime = token_days(days)
    key = "pl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_key(key),
        prefix=key[:10],
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
    )
    logger.info("api token issued for %s (%s, %d days)", user, token.prefix, lifetime)
    return token, key


def revoke_token(token_id: int, user=None, *, by: object = None) -> bool:
    """Stop a live token (the owner's own when ``user`` is given); False when there is none."""
    tokens = ApiToken.objects.filter(pk=token_id, revoked=False)
    if user is not None:
        tokens = tokens.filter(user=user)
    if not tokens.update(revoked=True):
        return False
    logger.info("api token %s revoked by %s", token_id, by or user or "the CLI")
    return True


# Every API call looks its token up: the statement is built once per connection (core.compiled).
_TOKEN = Compiled(
    lambda key_hash: (
        ApiToken.objects.select_related("user__profile__unit")
        .filter(key_hash=key_hash, revoked=False, user__is_active=True)
        .order_by()[:1]
    ),
    "sample-key-hash",
)


def user_for_token(key: str) -> User | None:
    """The active user behind a bearer key, or None; records when the token was last used."""
    if not key:
        return None
    # The profile and unit too: every permission check of the request reads them. key_hash is
    # unique: [:1] rather than first(), whose ORDER BY costs more to build than to run.
    found = _TOKEN.fetch(hash_key(key))
    token = found[0] if found else None
    now = timezone.now()
    # A token without an expiry (none is made so) counts as expired.
    if token is None or token.expires_at is None or token.expires_at <= now:
        return None
    # Two concurrent calls may both write last_used_at; either value is right enough. Written at
    # most once a minute, so a busy client does not cost a row write (and a WAL flush) per request.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def split_aliases(text: str) -> list[str]:
    return [a for a in (normalise_name(p) for p in re.split(r"[、，,；;\s]+", text or "")) if a]
