"""Units, users and API tokens: the use cases that pages, API and CLI share."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from policyledger.web.accounts.models import ApiToken, Profile, Unit
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
    name: str, *, level: str = "", parent: Unit | None = None, aliases: list[str] | None = None
) -> Unit:
    key = _checked_name(name)
    if level and level not in Unit.Level.values:
        raise UnitError("单位层级只能是省、市或县")
    with transaction.atomic():
        if Unit.objects.filter(name=key).exists():
            raise UnitError(f"单位“{key}”已存在")
        taken = sorted(Unit.objects.filter(name__in=aliases or []).values_list("name", flat=True))
        if taken:
            raise UnitError(f"别名“{'、'.join(taken)}”是另一个单位的名称，不能作为别名")
        unit = Unit.objects.create(
            name=key, level=level, parent=parent, aliases=[a for a in aliases or [] if a]
        )
    logger.info("unit created: %s (%s)", unit.name, unit.pk)
    return unit


def get_or_create_unit(name: str) -> Unit:
    key = _checked_name(name)
    unit = find_unit(key)
    if unit is not None:
        return unit
    unit, created = Unit.objects.get_or_create(name=key)
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


def user_for_token(key: str) -> User | None:
    """The active user behind a bearer key, or None; records when the token was last used."""
    if not key:
        return None
    # The profile and unit too: every permission check of the request reads them. key_hash is
    # unique: [:1] rather than first(), whose ORDER BY costs more to build than to run.
    found = (
        ApiToken.objects.select_related("user__profile__unit")
        .filter(key_hash=hash_key(key), revoked=False, user__is_active=True)
        .order_by()[:1]
    )
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
    import re

    return [a for a in (normalise_name(p) for p in re.split(r"[、，,；;\s]+", text or "")) if a]
