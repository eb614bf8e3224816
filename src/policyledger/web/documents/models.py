"""Imported policy documents and the measures, units and targets proposed by the parser.

Spans are code-point offsets into ``PolicyDocument.original_text`` (the parser's contract), so the
review page can highlight each field where it came from.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models


def source_upload_to(instance: PolicyDocument, filename: str) -> str:
    # A random name: the original one is kept in source_name, never used as a path.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"documents/{uuid.uuid4().hex}{suffix}"


class PolicyDocument(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "上传"
        PARSING = "parsing", "解析中"
        REVIEW = "review", "待审核"
        PUBLISHED = "published", "已发布"
        FAILED = "failed", "解析失败"
        # Taken back after publication: its tasks are closed and hidden from reporters.
        WITHDRAWN = "withdrawn", "已撤回"

    class Cycle(models.TextChoices):
        MONTHLY = "monthly", "按月"
        QUARTERLY = "quarterly", "按季度"

    title = models.CharField("标题", max_length=300, blank=True)
    # What lists and dropdowns show (e.g. 促消费20条); asked on review when none is printed.
    short_title = models.CharField("简称", max_length=60, blank=True)
    issuer = models.CharField("发文机关", max_length=200, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    signed_on = models.DateField("成文日期", null=True, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    region = models.CharField("地区", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    error = models.TextField("错误信息", blank=True)

    source_file = models.FileField("原始文件", upload_to=source_upload_to, blank=True)
    source_name = models.CharField("原文件名", max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    source_size = models.PositiveBigIntegerField(default=0)
    original_text = models.TextField("原文", blank=True)
    parsed = models.JSONField("解析结果", null=True, blank=True)

    cycle = models.CharField(
        "报送周期", max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY
    )
    default_deadline = models.DateField("默认完成时限", null=True, blank=True)
    # Optimistic locking: every edit says which version it started from.
    version = models.PositiveIntegerField(default=1)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The short title when there is one, else the title, else the file name."""
        return self.short_title or self.title or self.source_name or f"文件 {self.pk}"


class CurrentMeasures(models.Manager):
    """Measures still part of their document: a measure removed from a document that was
    published keeps its row (``retired``) so its tasks, reports and targets stay."""

    def get_queryset(self):
        return super().get_queryset().filter(retired=False)


class Measure(models.Model):
    """One actionable item of a document (becomes one task per lead unit when published)."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="measures")
    parser_id = models.CharField(max_length=40, blank=True)
    part = models.PositiveIntegerField("部分", default=0)
    number = models.CharField("序号", max_length=40, blank=True)
    path = models.JSONField(default=list, blank=True)
    section = models.CharField("所属部分", max_length=300, blank=True)
    heading = models.CharField("重点任务", max_length=300, blank=True)
    text = models.TextField("具体措施", blank=True)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    # Share of this measure in the document's roll-up.
    weight = models.FloatField("权重", default=1.0)
    # Confirmed by the administrator: this measure has no completion deadline (its tasks never
    # warn). Publishing refuses a measure with no deadline unless this is set.
    no_deadline = models.BooleanField("无完成时限", default=False)
    version = models.PositiveIntegerField(default=1)
    # Removed on review after a publication while tasks hung on it: hidden, never deleted.
    retired = models.BooleanField("已移除", default=False)

    # ``objects`` (and ``document.measures``) leave retired measures out; ``task.measure`` and
    # deletions go through the base manager and still reach them.
    objects = CurrentMeasures()
    all_objects = models.Manager()

    class Meta:
        verbose_name = "措施"
        verbose_name_plural = "措施"
        ordering = ["document", "order", "id"]
        indexes = [models.Index(fields=["document", "order"])]

    def __str__(self) -> str:
        return f"{self.number} {self.heading}".strip()


class MeasureUnit(models.Model):
    """A unit named by a measure, as printed (raw_name) and as matched in the registry (unit)."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头"
        SUPPORT = "support", "配合"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="unit_links")
    # Null until the administrator matches the printed name to a registry unit.
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raw_name = models.CharField("原文单位", max_length=200)
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.LEAD)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "措施单位"
        verbose_name_plural = "措施单位"
        ordering = ["measure", "role", "order", "id"]

    def __str__(self) -> str:
        return f"{self.raw_name} ({self.get_role_display()})"


class Target(models.Model):
    """A quantified target: value as in the parser's JSON (yuan, percent number, [a, b], date)."""

    class Kind(models.TextChoices):
        MONEY = "money", "金额"
        PERCENT = "percent", "比例"
        RATIO = "ratio", "配比"
        COUNT = "count", "数量"
        DATE = "date", "时限"

    class Qualifier(models.TextChoices):
        TOTAL = "total", "总额"
        MAX = "max", "最高"
        MIN = "min", "不低于"
        RANGE = "range", "区间"
        PER = "per", "每"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    value = models.JSONField("数值", null=True, blank=True)
    unit = models.CharField("单位", max_length=40, blank=True)
    qualifier = models.CharField("限定", max_length=10, choices=Qualifier.choices, blank=True)
    per = models.CharField("每", max_length=40, blank=True)
    text = models.CharField("原文", max_length=500, blank=True)
    span_start = models.PositiveIntegerField(null=True, blank=True)
    span_end = models.PositiveIntegerField(null=True, blank=True)
    # Filled for kind=date with a full or year-only value (a year means its 31 December).
    deadline = models.DateField("完成时限", null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "量化指标"
        verbose_name_plural = "量化指标"
        ordering = ["measure", "order", "id"]

    def __str__(self) -> str:
        return self.text or f"{self.get_kind_display()} {self.value}"

    STATE_FIELDS = ("kind", "value", "unit", "qualifier", "per", "text", "deadline")

    def state(self) -> dict:
        """What a reader or a comparison needs of the target (the API, the re-parse check)."""
        return {name: getattr(self, name) for name in self.STATE_FIELDS}


class StatusChange(models.Model):
    """One move of a published document's status (withdrawn, restored, reopened), with its time:
    what a past period's 通报 and dashboard read to know whether the document was in the
    programme then (``documents.services.asof``)."""

    document = models.ForeignKey(
        PolicyDocument, on_delete=models.CASCADE, related_name="status_changes"
    )
    old = models.CharField("原状态", max_length=12, choices=PolicyDocument.Status.choices)
    new = models.CharField("新状态", max_length=12, choices=PolicyDocument.Status.choices)
    at = models.DateTimeField("时间", db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "文件状态变化"
        verbose_name_plural = "文件状态变化"
        ordering = ["document_id", "at", "id"]
        indexes = [models.Index(fields=["document", "at"])]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.old} -> {self.new} @ {self.at:%Y-%m-%d %H:%M}"
