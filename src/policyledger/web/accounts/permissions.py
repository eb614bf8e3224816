"""Who may see and change what: the one place the pages and the API ask.

Rules: an administrator (牵头办) sees and changes everything; a reporter sees and reports only the
tasks of their own unit (as lead or support); a viewer (领导) reads everything and writes nothing.
Another unit's object is answered with 404, not 403, so ids cannot be probed (no IDOR); a write by
someone who may read but not write is 403.

The roles are accounts'; which tasks, reports and documents a role reaches is decided by the apps
that own those rows (tracking, documents), which register their rules in ``accounts.hooks``:
accounts never imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from policyledger.web.accounts import hooks
from policyledger.web.accounts.models import Profile

if TYPE_CHECKING:
    from policyledger.web.accounts.models import Unit
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.tracking.models import Report, Task

ADMIN = Profile.Role.ADMIN
REPORTER = Profile.Role.REPORTER
VIEWER = Profile.Role.VIEWER


def role_of(user) -> str | None:
    """The user's role, or None for an anonymous user or one without a profile (sees nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    profile = getattr(user, "profile", None)
    try:
        return profile.role if profile is not None else None
    except Profile.DoesNotExist:
        return None


def unit_of(user) -> Unit | None:
    try:
        return user.profile.unit if user.is_authenticated else None
    except Profile.DoesNotExist:
        return None


def is_admin(user) -> bool:
    return role_of(user) == ADMIN


def is_reporter(user) -> bool:
    return role_of(user) == REPORTER


def can_write(user) -> bool:
    return role_of(user) in (ADMIN, REPORTER)


def require_admin(user) -> None:
    """403 for anyone signed in who is not an administrator."""
    if not is_admin(user):
        raise PermissionDenied("只有牵头办管理员可以执行此操作")


def require_role(user, *roles: str) -> None:
    if role_of(user) not in roles:
        raise PermissionDenied("您没有执行此操作的权限")


def visible_tasks(user, queryset: QuerySet[Task] | None = None) -> QuerySet[Task]:
    """Tasks the user may read (tracking's rule, through ``hooks.set_rows_rule``)."""
    return hooks.rows_rule("tasks")(user, queryset)


def may_read_task(user, task: Task) -> bool:
    """visible_tasks' rule for one task already loaded (tracking's, through
    ``hooks.set_task_reader``): costs no query for most callers."""
    return hooks.task_reader()(user, task)


def task_for(user, pk: int, *, write: bool = False) -> Task:
    """The task if the user may read it (404 otherwise); with write=True also 403 for a viewer."""
    task = visible_tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404("任务不存在")
    if write and not can_write(user):
        raise PermissionDenied("只读用户不能修改")
    return task


def visible_reports(user, queryset: QuerySet[Report] | None = None) -> QuerySet[Report]:
    """Reports of the tasks the user may read (tracking's rule)."""
    return hooks.rows_rule("reports")(user, queryset)


def report_for(user, pk: int, *, write: bool = False) -> Report:
    report = visible_reports(user).filter(pk=pk).first()
    if report is None:
        raise Http404("报送记录不存在")
    if write and not can_write(user):
        raise PermissionDenied("只读用户不能修改")
    return report


def visible_documents(
    user, queryset: QuerySet[PolicyDocument] | None = None
) -> QuerySet[PolicyDocument]:
    """Administrators see every document, viewers the published ones, reporters the published
    ones that hold a task of their unit (documents' rule, through ``hooks.set_rows_rule``)."""
    return hooks.rows_rule("documents")(user, queryset)


def document_for(user, pk: int) -> PolicyDocument:
    document = visible_documents(user).filter(pk=pk).first()
    if document is None:
        raise Http404("文件不存在")
    return document
