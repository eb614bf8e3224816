"""Task and report pages: overview, task list and detail, report form, review queue, ledger."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from policyledger.formats.amounts import parse_amount, parse_number
from policyledger.web.accounts import permissions
from policyledger.web.accounts.models import Unit
from policyledger.web.core.models import AuditLog
from policyledger.web.documents.models import PolicyDocument
from policyledger.web.params import int_or_none, ints
from policyledger.web.tracking.models import (
    Attachment,
    Report,
    Task,
    TaskStatus,
    WarningFlip,
)
from policyledger.web.tracking.services import audit_view, bulk, ledger, reports, review_queue
from policyledger.web.tracking.services.periods import (
    parse_period,
    period_containing,
    periods_between,
)
from policyledger.web.tracking.services.tasks import filter_tasks

logger = logging.getLogger("policyledger.web.tracking")

PAGE_SIZE = 50


def home(request):
    tasks = permissions.visible_tasks(request.user)
    by_warning = dict(tasks.values_list("warning").annotate(n=Count("pk")).order_by())
    by_status = dict(tasks.values_list("status").annotate(n=Count("pk")).order_by())
    pending = permissions.visible_reports(request.user).filter(status=Report.Status.SUBMITTED)
    returned = permissions.visible_reports(request.user).filter(status=Report.Status.RETURNED)
    urgent = (
        tasks.exclude(warning=Task.Warning.NORMAL)
        .select_related("measure__document", "lead_unit")
        .order_by("deadline", "pk")[:10]
    )
    return render(
        request,
        "tracking/home.html",
        {
            "total": sum(by_status.values()),
            "warnings": [(w, label, by_warning.get(w, 0)) for w, label in Task.Warning.choices],
            "statuses": [(s, label, by_status.get(s, 0)) for s, label in TaskStatus.choices],
            "pending_count": pending.count(),
            "returned_count": returned.count(),
            "urgent": urgent,
            "documents": permissions.visible_documents(request.user).count(),
        },
    )


def _filtered_tasks(request):
    f = request.GET
    return filter_tasks(
        permissions.visible_tasks(request.user),
        unit=int_or_none(f.get("unit")),
        status=f.get("status") if f.get("status") in TaskStatus.values else None,
        warning=f.get("warning") if f.get("warning") in Task.Warning.values else None,
        document=int_or_none(f.get("document")),
        q=f.get("q", "").strip(),
    )


def _listed_tasks(request):
    """The filtered tasks as the list page and its xlsx download both show them, in one order."""
    return (
        _filtered_tasks(request)
        .select_related("measure__document", "lead_unit")
        .prefetch_related("support_units")
        .order_by("measure__document_id", "measure__order", "pk")
    )


def task_list(request):
    tasks = _listed_tasks(request)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracking/task_list.html",
        {
            "page": page,
            "units": Unit.objects.filter(active=True).order_by("name")
            if not permissions.is_reporter(request.user)
            else [],
            "documents": permissions.visible_documents(request.user).filter(
                status=PolicyDocument.Status.PUBLISHED
            ),
            "statuses": TaskStatus.choices,
            "warnings": Task.Warning.choices,
            "f": request.GET,
            "query": query.urlencode(),
        },
    )


def ledger_xlsx(request):
    data = ledger.write_ledger(_listed_tasks(request))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"进度台账_{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def task_detail(request, pk: int):
    task = permissions.task_for(request.user, pk)
    task = (
        Task.objects.select_related("measure__document", "lead_unit")
        .prefetch_related("support_units", "measure__targets")
        .get(pk=task.pk)
    )
    task_reports = task.reports.select_related("submitted_by", "reviewed_by").prefetch_related(
        "values__target", "attachments"
    )
    history = AuditLog.objects.filter(task_id_ref=task.pk).select_related("actor")[:200]
    entries = audit_view.readable(history)
    can_report = permissions.can_write(request.user) and (
        permissions.is_admin(request.user) or permissions.is_reporter(request.user)
    )
    return render(
        request,
        "tracking/task_detail.html",
        {
            "task": task,
            "reports": task_reports,
            "history": entries,
            "flips": WarningFlip.objects.filter(task=task).order_by("-at")[:50],
            "can_report": can_report,
            "is_admin": permissions.is_admin(request.user),
            "support_ids": {u.pk for u in task.support_units.all()},
            "all_units": Unit.objects.filter(active=True).order_by("name")
            if permissions.is_admin(request.user)
            else [],
        },
    )


@require_POST
def change_lead(request, pk: int):
    """Give the task another lead unit (administrators); both units are notified."""
    from policyledger.web.tracking.services import publishing

    task = permissions.task_for(request.user, pk, write=True)
    permissions.require_admin(request.user)
    try:
        task = publishing.change_lead_unit(
            request.user,
            task.pk,
            int_or_none(request.POST.get("unit")),
            request.POST.get("reason", ""),
        )
    except publishing.TaskChangeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"牵头单位已调整为“{task.lead_unit.name}”，已通知两个单位")
    return redirect("tracking:task", pk=task.pk)


@require_POST
def edit_task(request, pk: int):
    task = permissions.task_for(request.user, pk, write=True)
    permissions.require_admin(request.user)
    try:
        deadline_text = request.POST.get("deadline", "").strip()
        try:
            deadline = dt.date.fromisoformat(deadline_text) if deadline_text else None
        except ValueError:
            raise reports.ReportError("日期格式应为 年-月-日，例如 2022-12-31") from None
        try:
            weight = float(request.POST.get("weight", "1") or 1)
        except ValueError:
            raise reports.ReportError("权重须为数字，例如 1 或 1.5") from None
        reports.edit_task(
            request.user,
            task.pk,
            int_or_none(request.POST.get("version")),
            deadline=deadline,
            weight=weight,
            support_unit_ids=ints(request.POST.getlist("support")),
        )
    except reports.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "任务已修改")
    return redirect("tracking:task", pk=task.pk)


def _period_choices(task: Task) -> list:
    cycle = task.measure.document.cycle
    today = timezone.localdate()
    start = timezone.localdate(task.created_at)
    periods = periods_between(min(start, today), today, cycle)
    return list(reversed(periods[-12:]))


def report_form(request, pk: int):
    """Submit or update this task's report for a period (the current one by default)."""
    # A viewer gets 403 on the form as well as on the submit; another unit's task is 404.
    task = permissions.task_for(request.user, pk, write=True)
    task = Task.objects.select_related("measure__document", "lead_unit").get(pk=task.pk)
    cycle = task.measure.document.cycle
    period = parse_period(request.POST.get("period") or request.GET.get("period") or "", cycle)
    period = period or period_containing(timezone.localdate(), cycle)
    existing = Report.objects.filter(task=task, period_start=period.start).first()
    targets = [t for t in task.measure.targets.all() if t.kind != "date"]
    if request.method == "POST":
        values, errors = {}, []
        for t in targets:
            raw = request.POST.get(f"target-{t.pk}", "").strip()
            if raw:
                try:
                    # Money is typed the way people write it: 600万, 1.5亿, 135.50元; commas only
                    # between thousands (1,5亿 is refused, not read as 15亿).
                    # Decimal, never float; the service refuses out of range.
                    values[t.pk] = parse_amount(raw) if t.kind == "money" else parse_number(raw)
                except (ValueError, InvalidOperation):
                    errors.append(
                        f"指标“{t.text or t.pk}”的完成值须为数字"
                        + ("（金额可写 600万、1.5亿）" if t.kind == "money" else "")
                    )
        try:
            percent = int(request.POST.get("percent", ""))
        except ValueError:
            percent = -1
        files = request.FILES.getlist("attachments")
        if len(files) > 10:
            errors.append("一次最多上传10个附件")
        limit = settings.MAX_ATTACHMENT_BYTES
        for f in files:
            # Checked before reading, so a huge file is never loaded into memory.
            if f.size > limit:
                errors.append(f"附件“{f.name}”过大，上限为 {limit / 1048576:.0f} MB")
        uploads = [] if errors else [reports.Upload(f.name, f.read()) for f in files]
        try:
            if errors:
                raise reports.ReportError("；".join(errors))
            report = reports.submit_report(
                request.user,
                task,
                period,
                task_status=request.POST.get("task_status", ""),
                percent=percent,
                narrative=request.POST.get("narrative", ""),
                values=values,
                attachments=uploads,
                expected_version=int_or_none(request.POST.get("version")),
                draft=request.POST.get("draft") == "1",
            )
        except reports.ReportError as exc:
            messages.error(request, str(exc))
            return render(
                request,
                "tracking/report_form.html",
                _form_context(task, period, existing, targets, request.POST),
                status=400 if not isinstance(exc, reports.ReportConflict) else 409,
            )
        messages.success(
            request,
            f"{period.label}进展已{'保存为草稿' if report.status == Report.Status.DRAFT else '提交'}",
        )
        return redirect("tracking:task", pk=task.pk)
    return render(
        request, "tracking/report_form.html", _form_context(task, period, existing, targets, None)
    )


def _form_context(task, period, existing, targets, posted) -> dict:
    values = {}
    if existing is not None:
        values = {v.target_id: reports.achieved_text(v.achieved) for v in existing.values.all()}
    rows = []
    for t in targets:
        value = posted.get(f"target-{t.pk}", "") if posted is not None else values.get(t.pk, "")
        rows.append((t, value))
    initial = {
        "task_status": existing.task_status if existing else task.status,
        "percent": existing.percent if existing else task.percent,
        "narrative": existing.narrative if existing else "",
        "version": existing.version if existing else "",
    }
    if posted is not None:
        initial.update({k: posted.get(k, "") for k in ("task_status", "percent", "narrative")})
    return {
        "task": task,
        "period": period,
        "periods": _period_choices(task),
        "existing": existing,
        "targets": rows,
        "initial": initial,
        "statuses": TaskStatus.choices,
    }


def _queue_filter(params) -> review_queue.QueueFilter:
    status = params.get("status") or Report.Status.SUBMITTED
    return review_queue.QueueFilter(
        status=status if status in Report.Status.values else "",
        unit=int_or_none(params.get("unit")),
        document=int_or_none(params.get("document")),
        period=(params.get("period") or "").strip()[:40],
    )


def report_queue(request):
    """Reports waiting for review (administrators) or one's own reports (others), filtered."""
    f = _queue_filter(request.GET)
    qs = review_queue.filter_reports(
        permissions.visible_reports(request.user).select_related(
            "task__measure__document", "task__lead_unit", "submitted_by"
        ),
        f,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = permissions.visible_reports(request.user)
    is_admin = permissions.is_admin(request.user)
    return render(
        request,
        "tracking/report_queue.html",
        {
            "page": page,
            "f": f,
            "status": f.status,
            "statuses": Report.Status.choices,
            "query": urlencode(f.query()),
            "units": Unit.objects.filter(pk__in=visible.values("task__lead_unit_id")).order_by(
                "name"
            )
            if is_admin
            else [],
            "documents": PolicyDocument.objects.filter(
                pk__in=visible.values("task__measure__document_id")
            ).order_by("-pk"),
            "periods": list(
                visible.order_by("-period_start")
                .values_list("period_label", flat=True)
                .distinct()[:36]
            ),
            "can_batch": is_admin and f.status == Report.Status.SUBMITTED,
        },
    )


@require_POST
def batch_accept(request):
    permissions.require_admin(request.user)
    ids = ints(request.POST.getlist("report"))
    try:
        accepted = review_queue.batch_accept(request.user, ids, request.POST.get("comment", ""))
    except reports.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已采纳{len(accepted)}条报送")
    back = request.POST.get("back", "")
    if not back.startswith("?"):
        back = ""
    return redirect(reverse("tracking:reports") + back)


def report_detail(request, pk: int):
    report = permissions.report_for(request.user, pk)
    report = (
        Report.objects.select_related(
            "task__measure__document", "task__lead_unit", "submitted_by", "reviewed_by"
        )
        .prefetch_related("values__target", "attachments", "task__measure__targets")
        .get(pk=report.pk)
    )
    f = _queue_filter(request.GET)
    queue = review_queue.filter_reports(permissions.visible_reports(request.user), f)
    prev_id, next_id = review_queue.neighbours(queue, report)
    return render(
        request,
        "tracking/report_detail.html",
        {
            "report": report,
            "is_admin": permissions.is_admin(request.user),
            "prev_id": prev_id,
            "next_id": next_id,
            "query": urlencode(f.query()),
            "previous": review_queue.previous_report(report),
            "targets": [t for t in report.task.measure.targets.all()],
        },
    )


@require_POST
def review_report(request, pk: int, action: str):
    report = permissions.report_for(request.user, pk)
    permissions.require_admin(request.user)
    expected = int_or_none(request.POST.get("version"))
    comment = request.POST.get("comment", "")
    try:
        if action == "accept":
            reports.accept_report(request.user, report.pk, expected, comment)
            messages.success(request, "已采纳")
        else:
            reports.return_report(request.user, report.pk, comment, expected)
            messages.success(request, "已退回")
    except reports.ReportError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("tracking:report", args=[report.pk]) + _back(request))
    # On to the next report of the same filtered queue, the way a reviewer works through it.
    next_id = int_or_none(request.POST.get("next"))
    if next_id:
        return redirect(reverse("tracking:report", args=[next_id]) + _back(request))
    return redirect(reverse("tracking:report", args=[report.pk]) + _back(request))


def _back(request) -> str:
    query = request.POST.get("back", "")
    return query if query.startswith("?") else ""


def attachment(request, pk: int):
    item = Attachment.objects.filter(pk=pk).select_related("report").first()
    if (
        item is None
        or not permissions.visible_reports(request.user).filter(pk=item.report_id).exists()
    ):
        raise Http404("附件不存在")
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=not item.content_type.startswith("image/"),
        filename=item.original_name,
        content_type=item.content_type,
    )
    return response


def bulk_update(request):
    """Upload the ledger xlsx with 状态 / 完成进度 / 进展情况 filled in: one report per row."""
    if not permissions.can_write(request.user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只读用户不能报送")
    result = None
    today = timezone.localdate()
    period_text = request.POST.get("period", "") if request.method == "POST" else ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        cycle = request.POST.get("cycle", "monthly")
        period = parse_period(
            period_text, cycle if cycle in ("monthly", "quarterly") else "monthly"
        )
        if upload is None:
            messages.error(request, "请选择进度台账文件")
        elif period is None:
            messages.error(request, "报送周期格式不正确，例如 2022年9月 或 2022年第3季度")
        elif upload.size > 10 * 1024 * 1024:
            messages.error(request, "文件过大（上限10 MB）")
        else:
            result = bulk.bulk_update(request.user, upload.read(), period)
            if not result.ok:
                messages.error(
                    request,
                    f"未导入：{len(result.problems())}处问题，一行也没有写入，请修改后重新上传",
                )
            else:
                messages.success(
                    request,
                    f"已按{period.label}提交{result.updated}项任务的进展"
                    f"（未改动跳过{result.skipped}行）",
                )
    return render(
        request,
        "tracking/bulk_update.html",
        {
            "result": result,
            "period_text": period_text or period_containing(today, "monthly").label,
        },
    )


def warnings_page(request):
    """Recent warning changes, for tasks and units the user may see."""
    tasks = permissions.visible_tasks(request.user).values("pk")
    flips = WarningFlip.objects.filter(task__in=tasks)
    if not permissions.is_reporter(request.user):
        flips = flips | WarningFlip.objects.filter(unit__isnull=False)
    else:
        unit = permissions.unit_of(request.user)
        flips = flips | WarningFlip.objects.filter(unit=unit)
    f = request.GET
    kind = f.get("kind") if f.get("kind") in WarningFlip.Kind.values else ""
    new = (
        f.get("new", "") if f.get("new", "") in ("due_soon", "overdue", "missing", "normal") else ""
    )
    unit = int_or_none(f.get("unit"))
    if kind:
        flips = flips.filter(kind=kind)
    if new:
        flips = flips.filter(new=new)
    if unit:
        flips = flips.filter(Q(task__lead_unit_id=unit) | Q(unit_id=unit))
    page = Paginator(
        flips.select_related("task__measure", "task__lead_unit", "unit").order_by("-at", "-pk"),
        PAGE_SIZE,
    ).get_page(f.get("page"))
    query = f.copy()
    query.pop("page", None)
    return render(
        request,
        "tracking/warnings.html",
        {
            "page": page,
            "kinds": WarningFlip.Kind.choices,
            "states": [
                ("due_soon", "临期"),
                ("overdue", "逾期"),
                ("missing", "未按期报送"),
                ("normal", "恢复正常"),
            ],  # fmt: skip
            "units": Unit.objects.filter(active=True).order_by("name")
            if not permissions.is_reporter(request.user)
            else [],
            "f": {"kind": kind, "new": new, "unit": unit},
            "query": query.urlencode(),
        },
    )
