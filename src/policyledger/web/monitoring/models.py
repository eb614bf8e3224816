"""Indicators the policies aim at (社会消费品零售总额, 限上零售额 by category …), their monthly values
as the releases print them (当月值, 累计值, 同比), and the targets measures set on them.

Values are Decimal in the indicator's unit (亿元, 万元 …) and percent for 同比, never float.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Indicator(models.Model):
    class Source(models.TextChoices):
        STATS = "stats", "统计局"
        ENTERPRISE = "enterprise", "商务局监测企业"
        PLATFORM = "platform", "平台"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "月度"
        WEEKLY = "weekly", "周度"

    name = models.CharField("指标", max_length=100)
    region = models.CharField("地区", max_length=60)
    category = models.CharField("类别", max_length=40, blank=True, db_index=True)
    unit = models.CharField("单位", max_length=10)
    frequency = models.CharField(
        "频率", max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.STATS)
    # The monitored enterprise's unit that may post this indicator's values through the API.
    reporter_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name="报送单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monitored_indicators",
    )
    # Generated figures (the demo): every page and report that shows them says 模拟数据.
    simulated = models.BooleanField("模拟数据", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "监测指标"
        verbose_name_plural = "监测指标"
        ordering = ["region", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="indicator_region_name"),
        ]

    def __str__(self) -> str:
        return f"{self.region}·{self.name}"


class ImportBatch(models.Model):
    filename = models.CharField("文件", max_length=200)
    source = models.CharField("来源", max_length=12, choices=Indicator.Source.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField("导入时间", auto_now_add=True)
    rows = models.PositiveIntegerField("条数", default=0)
    first_month = models.DateField(null=True, blank=True)
    last_month = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-at", "-id"]


class IndicatorValue(models.Model):
    """One indicator for one month: 当月值, 1—N月累计值 and both 同比 (percent)."""

    # No database-level foreign keys here: PostgreSQL checks deferred ones row by row at COMMIT,
    # which doubled a 1.4-million-value import. Only the import service writes these rows, with
    # ids it has just read or created in the same transaction; deletes cascade through Django.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", db_constraint=False
    )
    month = models.DateField("月份")  # the first day of the month
    current = models.DecimalField("本月", max_digits=20, decimal_places=4, null=True)
    cumulative = models.DecimalField("累计", max_digits=20, decimal_places=4, null=True)
    yoy_current = models.DecimalField("本月同比%", max_digits=12, decimal_places=4, null=True)
    yoy_cumulative = models.DecimalField("累计同比%", max_digits=12, decimal_places=4, null=True)
    batch = models.ForeignKey(
        ImportBatch, null=True, on_delete=models.SET_NULL, db_index=False, db_constraint=False
    )

    class Meta:
        verbose_name = "指标数值"
        verbose_name_plural = "指标数值"
        ordering = ["indicator", "month"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "month"], name="value_indicator_month"),
        ]


class IndicatorWeekValue(models.Model):
    """One weekly indicator (a monitored enterprise's sales 本周销售额) for one week, Monday to Sunday.

    Weekly figures come from 重点监测企业 through the API or a csv; the statistics bureau publishes
    months only. The evaluation uses them for the campaign's weeks against the weeks before.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="week_values")
    week = models.DateField("周（周一）")
    current = models.DecimalField("本周值", max_digits=20, decimal_places=4)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    posted_at = models.DateTimeField("报送时间", auto_now=True)

    class Meta:
        verbose_name = "指标周度数值"
        verbose_name_plural = "指标周度数值"
        ordering = ["indicator", "week"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "week"], name="weekvalue_indicator_week"),
        ]


class IndicatorTarget(models.Model):
    """A measure's target on an indicator for a year, linked by a reviewer."""

    class Kind(models.TextChoices):
        GROWTH = "growth", "累计同比增长不低于（%）"
        AMOUNT = "amount", "全年累计不低于（指标单位）"

    class Warning(models.TextChoices):
        NORMAL = "normal", "正常"
        ATTENTION = "attention", "关注"
        ALERT = "alert", "预警"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    target = models.ForeignKey(
        "documents.Target",
        verbose_name="文件中的量化指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicator_links",
    )
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("目标类型", max_length=10, choices=Kind.choices)
    value = models.DecimalField("目标值", max_digits=20, decimal_places=4)
    text = models.CharField("原文", max_length=500, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    linked_at = models.DateTimeField("关联时间", auto_now_add=True)
    warning = models.CharField(
        "预警", max_length=10, choices=Warning.choices, default=Warning.NORMAL, db_index=True
    )
    warning_detail = models.CharField("预警说明", max_length=300, blank=True)
    warning_changed_at = models.DateTimeField("预警变化时间", null=True, blank=True)

    class Meta:
        verbose_name = "指标目标"
        verbose_name_plural = "指标目标"
        ordering = ["-year", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year", "kind"], name="indicator_target_year_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}年 {self.get_kind_display()} {self.value}"
