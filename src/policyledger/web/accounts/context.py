"""Template context for the navigation bar: the user's role and unread notifications."""

from __future__ import annotations

from policyledger.web.accounts import permissions


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    role = permissions.role_of(user)
    if role is None:
        if user is None or not user.is_authenticated:
            return {"nav_role": None}
        from policyledger.web.accounts import hooks

        return {
            "nav_role": None,
            "nav_own_links": [(label, url) for _, label, url in hooks.own_links(user)],
        }
    from policyledger.web.core.models import Notification

    return {
        "nav_role": role,
        "nav_is_admin": role == permissions.ADMIN,
        "nav_can_write": role in (permissions.ADMIN, permissions.REPORTER),
        "nav_unit": permissions.unit_of(user),
        "nav_unread": Notification.objects.filter(user=user, read=False).count(),
    }
