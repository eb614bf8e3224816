"""Who may see and change what: the one place the pages and the API ask.

Rules: an administrator (牵头办) sees and changes everything; a reporter sees and reports only the
tasks of their own unit (as lead or support); a viewer (领导) reads everything and writes nothing.
Another unit's object is answered with 404, not 403, so ids cannot be probed (no IDOR); a write by
someone who may read but not write is 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from policyledger.web.accounts.models import Profile

if TYPE_CHECKING:
    from policyledger.web.accounts.models import Unit
    from policyledger.web.documents.models import PolicyDocument
    from policyledger.web.tracking.models import Report, Task

ADMIN = Profile.Role.ADMIN
REPORTER = Profile.Role.REPORTER
VIEWER = Profile.Role.VIEWER


def _model(label: str):
    """A higher app's model by its label, from Django's app registry (like a string foreign
    key): the rules below read tasks, reports and documents without this app importing them."""
    return apps.get_model(label)


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
    """Tasks the user may read."""
    Task = _model("tracking.Task")
    qs = queryset if queryset is not None else Task.objects.all()
    role = role_of(user)
    if role in (ADMIN, VIEWER):
        return qs
    unit = unit_of(user)
    if role == REPORTER and unit is not None:
        # Exists() rather than a join on support_units: no duplicate rows, no DISTINCT needed.
        support = Task.support_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=unit.pk)
        # A closed task (document withdrawn, measure removed) leaves the reporters' lists.
        return qs.filter(Q(lead_unit_id=unit.pk) | Exists(support), closed_at__isnull=True)
    return qs.none()


def may_read_task(user, task: Task) -> bool:
    """visible_tasks' rule for one task already loaded, checked here rather than in its query.

    For the busiest write (a report submitted through the API): the rule's Exists() subquery
    cost more to build than the rest of the task's query. A lead unit's reporter, an
    administrator and a viewer cost no query; a supporting unit's reporter costs one.
    """
    Task = _model("tracking.Task")
    role = role_of(user)
    if role in (ADMIN, VIEWER):
        return True
    unit = unit_of(user)
    if role != REPORTER or unit is None or task.closed_at is not None:
        return False
    if task.lead_unit_id == unit.pk:
        return True
    return Task.support_units.through.objects.filter(task_id=task.pk, unit_id=unit.pk).exists()


def task_for(user, pk: int, *, write: bool = False) -> Task:
    """The task if the user may read it (404 otherwise); with write=True also 403 for a viewer."""
    task = visible_tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404("任务不存在")
    if write and not can_write(user):
        raise PermissionDenied("只读用户不能修改")
    return task


def visible_reports(user, queryset: QuerySet[Report] | None = None) -> QuerySet[Report]:
    Report = _model("tracking.Report")
    qs = queryset if queryset is not None else Report.objects.all()
    return qs.filter(task__in=visible_tasks(user).values("pk"))


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
    ones that hold a task of their unit."""
    PolicyDocument = _model("documents.PolicyDocument")
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
        tasks = visible_tasks(user).values("measure__document_id")
        return published.filter(pk__in=tasks)
    return qs.none()


def document_for(user, pk: int) -> PolicyDocument:
    document = visible_documents(user).filter(pk=pk).first()
    if document is None:
        raise Http404("文件不存在")
    return document
