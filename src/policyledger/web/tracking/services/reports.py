"""Progress reports: submit (reporter), accept or return (administrator), bulk update from xlsx.

One report per task and period (a unique constraint): a resubmission updates the same row under a
row lock, so concurrent submissions never lose or duplicate a report.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from policyledger.formats.cells import control_characters
from policyledger.web.accounts import permissions
from policyledger.web.core import audit, notify
from policyledger.web.core.compiled import Compiled
from policyledger.web.core.errors import ConflictError as SharedConflict
from policyledger.web.core.errors import ServiceError
from policyledger.web.documents.models import Target
from policyledger.web.tracking.models import (
    Attachment,
    Report,
    ReportValue,
    Task,
    TaskStatus,
)
from policyledger.web.tracking.services.periods import Period

logger = logging.getLogger("policyledger.web.tracking.reports")


class ReportError(ServiceError, ValueError):
    """A report refused; ``str(error)`` is a message for the user (Chinese)."""


class ReportConflict(SharedConflict, ReportError):
    """A task or report changed since it was read."""


@dataclass
class Upload:
    name: str
    data: bytes


# What an attachment may be, told by its first bytes (never by its name or the browser's word).
def sniff_attachment(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
    return None


# Where the administrators' daily digest of submissions points: the review queue, submitted ones.
SUBMITTED_QUEUE = "/tracking/reports/?status=submitted"

ALLOWED_ATTACHMENTS = "PDF、图片（PNG/JPEG/GIF/WebP）或 Excel（.xlsx）"


def control_message(field: str, characters: list[str]) -> str:
    """The Chinese error for text holding control characters (they break exported files)."""
    return (
        f"{field}含有不可见的控制字符（{'、'.join(characters)}），"
        "通常来自复制粘贴，请删除后重新填写"
    )


def check_attachment(upload: Upload) -> str:
    limit = settings.MAX_ATTACHMENT_BYTES
    if len(upload.data) > limit:
        raise ReportError(
            f"附件“{upload.name}”过大（{len(upload.data) / 1048576:.1f} MB），"
            f"上限为 {limit / 1048576:.0f} MB"
        )
    if not upload.data:
        raise ReportError(f"附件“{upload.name}”是空文件")
    kind = sniff_attachment(upload.data)
    if kind is None:
        raise ReportError(f"附件“{upload.name}”的类型不受支持，只能上传{ALLOWED_ATTACHMENTS}")
    return kind


def _report_snapshot(report: Report, values: dict[int, Decimal] | None = None) -> dict:
    """The audited state of a report; ``values`` (target id -> achieved) when already known."""
    data = audit.snapshot(
        report,
        ["status", "task_status", "percent", "narrative", "period_label", "review_comment"],
    )
    if values is None:
        values = {v.target_id: v.achieved for v in report.values.all()}
    # Exact decimal text in the audit log's JSON, never a float.
    data["values"] = {str(k): achieved_text(v) for k, v in values.items()}
    return data


# The report row of a task and period, locked; built once per connection (core.compiled).
_LOCKED_REPORT = Compiled(
    lambda task_id, start: (
        Report.objects.select_for_update()
        .filter(task_id=task_id, period_start=start)
        .order_by()[:1]
    ),
    -987654321,
    dt.date(1901, 2, 3),
)


def _save_report(
    user,
    task: Task,
    period: Period,
    changes: dict,
    values: dict[int, Decimal],
    checked: list[tuple[Upload, str]],
    expected_version: int | None,
    draft: bool,
) -> tuple[Report, bool]:
    """One submission's writes, in the caller's transaction: report, values, files, audit, notice.

    The report's row is locked (select_for_update) before it is read, so concurrent submissions
    for the same task and period apply one after the other, and its values can only change here.
    """
    # (task, period_start) is unique: [:1] and no ordering. first() ordered by the model's
    # ordering, which joined the task and measure tables into this FOR UPDATE (locking their rows
    # too, so submissions for other periods of the task waited) and cost more to build than to run.
    found = _LOCKED_REPORT.fetch(task.pk, period.start)
    report = found[0] if found else None
    created = report is None
    if created:
        report = Report(
            task=task, period_label=period.label, period_start=period.start, period_end=period.end
        )
        old_values: dict[int, Decimal] = {}
        before = None
    else:
        if expected_version is not None and report.version != expected_version:
            raise ReportConflict()
        if report.status == Report.Status.ACCEPTED:
            raise ReportError(f"{period.label}的报送已被采纳，不能再修改")
        old_values = {v.target_id: v.achieved for v in report.values.all()}
        before = _report_snapshot(report, old_values)
    for name, value in changes.items():
        setattr(report, name, value)
    # The row is locked (or new), so a plain increment cannot lose an update.
    report.version += 1
    report.save()
    ReportValue.objects.bulk_create(
        [
            ReportValue(report=report, target_id=target_id, achieved=achieved)
            for target_id, achieved in values.items()
            if target_id not in old_values
        ]
    )
    for target_id, achieved in values.items():
        if target_id in old_values and old_values[target_id] != achieved:
            ReportValue.objects.filter(report=report, target_id=target_id).update(achieved=achieved)
    for upload, kind in checked:
        attachment = Attachment(
            report=report,
            original_name=upload.name[:255],
            content_type=kind,
            size=len(upload.data),
            uploaded_by=user,
        )
        attachment.file.save(upload.name, ContentFile(upload.data), save=False)
        attachment.save()
    report.saved_values = {**old_values, **values}
    report.created = created
    audit.record(
        user,
        "report.draft" if draft else "report.submit",
        report,
        before=before,
        after=_report_snapshot(report, report.saved_values),
        task_id=task.pk,
    )
    if not draft:
        # One digest a day per administrator (issue 11), not one row per submission; it links
        # to the review queue of submitted reports, which lists every item the digest counts.
        notify.digest_admins(
            "report.submitted",
            "新的进展报送",
            f"{task.lead_unit.name}提交了“{task.measure.heading or task.measure.number}”"
            f"{period.label}的进展",
            SUBMITTED_QUEUE,
        )
    return report, created


# ReportValue.achieved: 4 decimal places, |value| <= 10^15 (the API's documented range).
ACHIEVED_PLACES = Decimal("0.0001")
ACHIEVED_LIMIT = Decimal(10) ** 15


def achieved_decimal(value: object) -> Decimal | None:
    """An achieved value as the Decimal stored (4 places, rounded half up), or None when it is
    no finite number within range. A float becomes the decimal its text shows (0.1 -> 0.1)."""
    if isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or abs(number) > ACHIEVED_LIMIT:
        return None
    # + 0: a negative zero (-0, or -0.00001 rounded) is the 0 the database keeps, not "-0".
    return number.quantize(ACHIEVED_PLACES, rounding=ROUND_HALF_UP) + 0


def achieved_text(value: Decimal) -> str:
    """A stored achieved value as exact decimal text without trailing zeros: "10.5", "8000000"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def submit_report(
    user,
    task: Task,
    period: Period,
    *,
    task_status: str,
    percent: int,
    narrative: str,
    values: dict[int, Decimal | str | int | float] | None = None,
    attachments: list[Upload] | None = None,
    expected_version: int | None = None,
    draft: bool = False,
) -> Report:
    """Save (draft=True) or submit a report for a task and period.

    The returned report also carries ``saved_values`` (target id -> achieved, all of its values
    now) and ``created`` (whether this call made the row), so a caller can answer without
    reading them back.
    """
    if not permissions.can_write(user):
        raise ReportError("只读用户不能报送")
    if task_status not in TaskStatus.values:
        raise ReportError("任务状态无效")
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ReportError("完成进度须为0到100之间的整数")
    if task_status == TaskStatus.DONE and percent != 100:
        raise ReportError("状态为“已完成”时完成进度应为100%")
    if len(narrative or "") > 5000:
        raise ReportError("进展情况不能超过5000字")
    if bad := control_characters(narrative or ""):
        raise ReportError(control_message("进展情况", bad))
    checked = [(u, check_attachment(u)) for u in attachments or []]
    # Decimal end to end (never float): NaN, infinity and out-of-range values are refused.
    exact = {k: achieved_decimal(v) for k, v in (values or {}).items()}
    if any(v is None for v in exact.values()):
        raise ReportError("完成值须为数字，且不能超出数值范围")
    values = exact
    if values:
        target_ids = set(
            Target.objects.filter(measure_id=task.measure_id).values_list("pk", flat=True)
        )
        if not set(values) <= target_ids:
            raise ReportError("完成值对应的指标不属于该任务")
    changes = {
        "task_status": task_status,
        "percent": percent,
        "narrative": (narrative or "").strip(),
        "status": Report.Status.DRAFT if draft else Report.Status.SUBMITTED,
    }
    if not draft:
        changes |= {"submitted_by": user, "submitted_at": timezone.now()}
    values = {int(k): v for k, v in values.items()}
    # Two first submissions for one task and period can both find no row and both insert; the
    # unique constraint refuses the second, which then runs again and updates the winner's row.
    # Retrying the whole transaction costs nothing in the usual case, where a savepoint around
    # every insert would cost two more statements per new report.
    for attempt in range(2):
        try:
            with transaction.atomic():
                report, created = _save_report(
                    user, task, period, changes, values, checked, expected_version, draft
                )
            break
        except IntegrityError:
            if attempt:
                raise
    logger.info("report %s %s by %s", report.pk, "saved" if draft else "submitted", user)
    return report


def _review(
    user, report_id: int, expected_version: int | None, new_status: str, comment: str
) -> Report:
    permissions.require_admin(user)
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("task").get(pk=report_id)
        if expected_version is not None and report.version != expected_version:
            raise ReportConflict()
        if report.status != Report.Status.SUBMITTED:
            raise ReportError(f"只能审核已提交的报送（当前状态：{report.get_status_display()}）")
        before = _report_snapshot(report)
        report.status = new_status
        report.reviewed_by = user
        report.reviewed_at = timezone.now()
        report.review_comment = comment
        report.version = F("version") + 1
        report.save()
        report.refresh_from_db()
        task = report.task
        if new_status == Report.Status.ACCEPTED:
            latest = (
                Report.objects.filter(task=task, status=Report.Status.ACCEPTED)
                .order_by("-period_start")
                .first()
            )
            # Only the newest accepted period moves the task; accepting an old one keeps it.
            if latest is not None and latest.pk == report.pk:
                task_before = audit.snapshot(task, ["status", "percent"])
                Task.objects.filter(pk=task.pk).update(
                    status=report.task_status,
                    percent=report.percent,
                    version=F("version") + 1,
                    updated_at=timezone.now(),
                )
                task.refresh_from_db()
                audit.record(
                    user,
                    "task.progress",
                    task,
                    before=task_before,
                    after=audit.snapshot(task, ["status", "percent"]),
                    task_id=task.pk,
                )
        audit.record(
            user,
            "report.accept" if new_status == Report.Status.ACCEPTED else "report.return",
            report,
            before=before,
            after=_report_snapshot(report),
            task_id=task.pk,
        )
    if report.submitted_by_id:
        verb = "已采纳" if new_status == Report.Status.ACCEPTED else "被退回"
        measure = task.measure
        name = f"{measure.number}{measure.heading or measure.text[:30]}".strip()
        text = f"您报送的“{name}”{report.period_label}进展{verb}"
        if comment:
            text += f"：{comment}"
        # One digest a day per reporter for review results, not one row per report.
        notify.digest(
            [report.submitted_by],
            "report.reviewed",
            "报送审核结果",
            text,
            f"/tracking/tasks/{task.pk}/",
        )
    logger.info("report %s -> %s by %s", report.pk, new_status, user)
    return report


def accept_report(
    user, report_id: int, expected_version: int | None = None, comment: str = ""
) -> Report:
    return _review(user, report_id, expected_version, Report.Status.ACCEPTED, comment.strip())


def return_report(
    user, report_id: int, comment: str, expected_version: int | None = None
) -> Report:
    if not (comment or "").strip():
        raise ReportError("退回时必须填写审核意见")
    return _review(user, report_id, expected_version, Report.Status.RETURNED, comment.strip())


# Bulk update from the exported ledger: tracking.services.bulk


# ---------------------------------------------------------------------------------------------
# Task settings (administrator)


def edit_task(
    user,
    task_id: int,
    expected_version: int | None,
    *,
    deadline,
    weight: float,
    support_unit_ids: list[int],
) -> Task:
    """Change a published task's deadline, weight and supporting units (audited, version-checked)."""
    permissions.require_admin(user)
    if not 0 < weight <= 100:
        raise ReportError("权重须大于0且不超过100")
    from policyledger.web.accounts.models import Unit

    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id)
        if expected_version is not None and task.version != expected_version:
            raise ReportConflict()
        units = list(Unit.objects.filter(pk__in=support_unit_ids).exclude(pk=task.lead_unit_id))
        if len(units) != len(set(support_unit_ids) - {task.lead_unit_id}):
            raise ReportError("所选配合单位不存在")
        fields = ["deadline", "weight", "version"]
        before = audit.snapshot(task, fields)
        before["support_units"] = sorted(task.support_units.values_list("name", flat=True))
        task.deadline = deadline
        task.weight = weight
        task.version += 1
        task.save(update_fields=["deadline", "weight", "version", "updated_at"])
        task.support_units.set(units)
        after = audit.snapshot(task, fields)
        after["support_units"] = sorted(u.name for u in units)
        audit.record(user, "task.edit", task, before=before, after=after, task_id=task.pk)
    logger.info("task %s edited by %s", task.pk, user)
    return task
