"""Who may claim vouchers or enter a lottery: an active user with a verified (实名) resident
profile who is not a read-only leader. The claim hot path asks the same question inside its
own statements (ELIGIBLE_SQL here, and migration 0005 in the PostgreSQL claim function), so a
deactivated or unverified person is refused at once with no extra round trip.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from ..models import ResidentProfile
from .errors import NotEligible, SetupError

log = logging.getLogger("policyledger.vouchers.residents")
LEADER_ROLE = "viewer"  # accounts.Profile.Role.VIEWER: 领导（只读）


def eligible_sql(placeholder: str) -> str:
    """A boolean SQL expression: is the user `placeholder` an eligible resident?"""
    from policyledger.web.accounts.models import Profile

    q = connection.ops.quote_name
    user = q(get_user_model()._meta.db_table)
    resident = q(ResidentProfile._meta.db_table)
    profile = q(Profile._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {user} u JOIN {resident} r ON r.user_id = u.id "
        f"WHERE u.id = {placeholder} AND u.is_active AND r.verified "
        f"AND NOT EXISTS (SELECT 1 FROM {profile} ap WHERE ap.user_id = u.id "
        f"AND ap.role = '{LEADER_ROLE}'))"
    )


def is_eligible(user_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {eligible_sql('%s')}", [user_id])
        return bool(cur.fetchone()[0])


def require_eligible(user_id: int) -> None:
    if not is_eligible(user_id):
        raise NotEligible()


def mark_verified(user, *, verified: bool = True, display_name: str = "") -> ResidentProfile:
    """Record that a person's real name was checked (a staff action); refuses leaders and
    deactivated accounts, which may never claim."""
    from policyledger.web.accounts.permissions import role_of

    if verified and not user.is_active:
        raise SetupError("账号已停用，不能标记为已实名")
    if verified and role_of(user) == LEADER_ROLE:
        raise SetupError("只读领导账号不能作为居民领券")
    with transaction.atomic():
        profile, _ = ResidentProfile.objects.get_or_create(
            user=user, defaults={"display_name": display_name or user.get_full_name()}
        )
        if profile.verified != verified:
            profile.verified = verified
            profile.save(update_fields=["verified"])
    log.info("resident %s verified=%s", user.pk, verified)
    return profile
