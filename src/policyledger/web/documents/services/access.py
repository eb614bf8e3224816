"""Which documents a user may read: documents' part of the permission rules, registered with
``accounts.hooks.set_rows_rule`` in ``DocumentsConfig.ready`` (the pages and the API still ask
``accounts.permissions``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from policyledger.web.accounts import permissions
from policyledger.web.accounts.permissions import ADMIN, REPORTER, VIEWER, role_of
from policyledger.web.documents.models import PolicyDocument


def visible_documents(
    user, queryset: QuerySet[PolicyDocument] | None = None
) -> QuerySet[PolicyDocument]:
    """Administrators see every document, viewers the published ones, reporters the published
    ones that hold a task of their unit."""
    qs = queryset if queryset is not None else PolicyDocument.objects.all()
    role = role_of(user)
    if role == ADMIN:
        return qs
    # A published document reopened for correction stays readable: its tasks are still live.
    published = qs.filter(
        Q(status=PolicyDocument.Status.PUBLISHED)
        | Q(status=PolicyDocument.Status.REVIEW, published_at__isnull=False)
    )
    if role == VIEWER:
        return published
    if role == REPORTER:
        # The tasks are tracking's; their rule reaches here through accounts' hook.
        tasks = permissions.visible_tasks(user).values("measure__document_id")
        return published.filter(pk__in=tasks)
    return qs.none()
