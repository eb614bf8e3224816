"""Who gets a notification: the reporters of a unit, the administrators (moved from tracking.notify)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q

from policyledger.web.accounts.models import Profile


def unit_users(unit_ids: Iterable[int]):
    return get_user_model().objects.filter(
        is_active=True, profile__unit_id__in=list(unit_ids), profile__role=Profile.Role.REPORTER
    )


def admin_users():
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(profile__role=Profile.Role.ADMIN), is_active=True
    )
