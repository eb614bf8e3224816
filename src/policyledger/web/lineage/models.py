"""Library metadata (level, region, citations, search text) and measure links with their review."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from policyledger.web.documents.models import Measure, PolicyDocument


class Level(models.TextChoices):
    NATION = "国家", "国家"
    PROVINCE = "省", "省"
    CITY = "市", "市"
    COUNTY = "县", "县"


class DocumentPlace(models.Model):
    """Level and region of a document: derived from its 文号 and issuer, editable on review."""

    class Basis(models.TextChoices):
        NUMBER = "文号", "文号"
        ISSUER = "发文机关", "发文机关"
        MANUAL = "人工", "人工"
        NONE = "", "未识别"

    document = models.OneToOneField(
        PolicyDocument, on_delete=models.CASCADE, related_name="lineage_place"
    )
    level = models.CharField("层级", max_length=4, choices=Level.choices, blank=True)
    region = models.CharField("地区", max_length=60, blank=True, db_index=True)
    basis = models.CharField("依据", max_length=8, choices=Basis.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "文件层级与地区"
        verbose_name_plural = verbose_name


class Citation(models.Model):
    """A document that ``citing`` cites (《title》 and/or 文号), resolved when the library holds it."""

    citing = models.ForeignKey(
        PolicyDocument, on_delete=models.CASCADE, related_name="lineage_citations"
    )
    title = models.CharField("标题", max_length=500, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    resolved = models.ForeignKey(
        PolicyDocument,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lineage_cited_by",
    )

    class Meta:
        verbose_name = "引用文件"
        verbose_name_plural = verbose_name
        ordering = ["citing", "id"]


class SearchText(models.Model):
    """Text searched by the library page: a document's title (measure empty) or one measure.

    On SQLite an FTS5 table with the trigram tokenizer mirrors it (rowid = id); on PostgreSQL a
    pg_trgm GIN index covers ``text`` (see the migration)."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["document"])]


class MeasureLink(models.Model):
    """``child`` implements (part of) ``parent``: proposed by the matcher, decided by staff."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "已否决"

    child = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="lineage_parents")
    parent = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="lineage_children")
    score = models.FloatField("得分", default=0.0)
    confidence = models.CharField("置信度", max_length=8, blank=True)
    shared = models.JSONField("共有片段", default=list, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "措施承接关系"
        verbose_name_plural = verbose_name
        ordering = ["child__document", "child__order", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="lineage_link_unique")
        ]
