"""Tasks, progress reports and warnings (notifications and the audit log live in core).

Warning states are moved only by ``tracking.warnings.run_warnings`` with compare-and-set; each move
is kept as a ``WarningFlip`` row so a task's or a unit's history can be shown.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    LAGGING = "lagging", "滞后"


class ClosedReason(models.TextChoices):
    WITHDRAWN = "withdrawn", "文件已撤回"
    MEASURE_REMOVED = "measure_removed", "措施已移除"
    LEAD_REMOVED = "lead_removed", "牵头单位已调整"


class Task(models.Model):
    """One measure for one lead unit; the unit reports on it each cycle."""

    class Warning(models.TextChoices):
        NORMAL = "normal", "正常"
        DUE_SOON = "due_soon", "临期"
        OVERDUE = "overdue", "逾期"

    measure = models.ForeignKey("documents.Measure", on_delete=models.CASCADE, related_name="tasks")
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="牵头单位",
        on_delete=models.PROTECT,
        related_name="lead_tasks",
    )
    support_units = models.ManyToManyField(
        "accounts.Unit", verbose_name="配合单位", blank=True, related_name="support_tasks"
    )
    deadline = models.DateField("完成时限", null=True, blank=True, db_index=True)
    weight = models.FloatField("权重", default=1.0)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
        db_index=True,
    )
    percent = models.PositiveSmallIntegerField("完成进度", default=0)
    warning = models.CharField(
        "预警", max_length=10, choices=Warning.choices, default=Warning.NORMAL, db_index=True
    )
    warning_changed_at = models.DateTimeField("预警变化时间", null=True, blank=True)
    # A closed task is kept with its reports but leaves the reporters' lists and the warnings:
    # its document was withdrawn, or its measure (or this lead unit) removed on re-review.
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True, db_index=True)
    closed_reason = models.CharField(
        "关闭原因", max_length=20, choices=ClosedReason.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务"
        ordering = ["measure__document_id", "measure__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "lead_unit"], name="task_one_per_lead_unit"),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="task_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} — {self.lead_unit}"


class TaskClosing(models.Model):
    """One closing or reopening of a task, with its time: what a past period's 通报 and dashboard
    read to know whether the task was open then (``briefings.data.tasks_as_of``). ``Task.closed_at``
    only says whether it is closed now (it is cleared when the task is reopened)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="closings")
    closed = models.BooleanField("关闭")  # False: reopened
    reason = models.CharField("关闭原因", max_length=20, choices=ClosedReason.choices, blank=True)
    at = models.DateTimeField("时间", db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "任务关闭记录"
        verbose_name_plural = "任务关闭记录"
        ordering = ["task_id", "at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="taskclosing_task_at")]

    def __str__(self) -> str:
        word = "关闭" if self.closed else "重新开启"
        return f"任务{self.task_id}{word} @ {self.at:%Y-%m-%d %H:%M}"


class Report(models.Model):
    """Progress on a task for one reporting period; at most one per task and period."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        ACCEPTED = "accepted", "已采纳"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    period_label = models.CharField("报送周期", max_length=40)
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    status = models.CharField(
        "审核状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    task_status = models.CharField(
        "任务状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.IN_PROGRESS
    )
    percent = models.PositiveSmallIntegerField("完成进度", default=0)
    narrative = models.TextField("进展情况", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "进展报送"
        verbose_name_plural = "进展报送"
        ordering = ["task", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period_start"], name="report_one_per_task_period"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="report_percent_at_most_100"
            ),
        ]
        indexes = [models.Index(fields=["period_start", "status"])]

    def __str__(self) -> str:
        return f"{self.task} {self.period_label}"


class ReportValue(models.Model):
    """The achieved value against one quantified target (消费券已发放 800万元 of 1000万元)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    target = models.ForeignKey(
        "documents.Target", on_delete=models.CASCADE, related_name="achievements"
    )
    # Decimal, never float (money is among them): 20 digits with 4 decimals hold the API's range
    # (|value| <= 10^15, 千万亿) to the fen and beyond, and percentages or ratios to 4 places.
    achieved = models.DecimalField("完成值", max_digits=20, decimal_places=4)

    class Meta:
        verbose_name = "指标完成值"
        verbose_name_plural = "指标完成值"
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="report_value_per_target")
        ]


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"attachments/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file backing a report, stored under MEDIA_ROOT with a random name, served by a view."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to)
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class WarningFlip(models.Model):
    """One change of a warning state, written only by the worker that won the compare-and-set."""

    class Kind(models.TextChoices):
        DEADLINE = "deadline", "完成时限"
        MISSING_REPORT = "missing_report", "未按期报送"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="flips"
    )
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="flips"
    )
    old = models.CharField("原状态", max_length=20)
    new = models.CharField("新状态", max_length=20)
    period_label = models.CharField("报送周期", max_length=40, blank=True)
    detail = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "预警变化"
        verbose_name_plural = "预警变化"
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(task__isnull=False) | models.Q(unit__isnull=False),
                name="flip_has_task_or_unit",
            )
        ]


class Reminder(models.Model):
    """One 催报 round (or one 督办 escalation): who sent it, when, to which late units."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "催报"
        ESCALATION = "escalation", "督办"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices, db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField("时间", db_index=True)
    notified = models.PositiveIntegerField("站内通知数", default=0)
    emailed = models.PositiveIntegerField("邮件数", default=0)

    class Meta:
        verbose_name = "催报记录"
        verbose_name_plural = "催报记录"
        ordering = ["-sent_at", "-id"]


class ReminderUnit(models.Model):
    """A unit reminded (or escalated) in a round, for one reporting period, with its late tasks."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="lines")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.CASCADE, related_name="reminders")
    period_label = models.CharField("报送周期", max_length=40)
    period_start = models.DateField("周期开始")
    tasks = models.JSONField("未报送任务", default=list)
    recipients = models.JSONField("收件人", default=list)

    class Meta:
        verbose_name = "催报单位"
        verbose_name_plural = "催报单位"
        ordering = ["reminder", "unit__name"]
        indexes = [models.Index(fields=["unit", "period_start"])]
