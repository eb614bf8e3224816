"""Shared models: in-app notifications and the append-only audit log.

Both were created by the tracking app; they keep its tables (``db_table``) so existing databases
only move the models' state (core/migrations/0001 and tracking/migrations/0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField("内容", max_length=500)
    link = models.CharField("链接", max_length=300, blank=True)
    read = models.BooleanField("已读", default=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    # A daily digest (core.notify.digest): one unread row per user, kind and day, counting events.
    # Database defaults: notify_admins inserts rows with raw SQL that names only the first columns.
    digest = models.CharField("汇总类型", max_length=40, blank=True, default="", db_default="")
    digest_day = models.DateField("汇总日期", null=True, blank=True)
    count = models.PositiveIntegerField("条数", default=1, db_default=1)
    lines = models.JSONField("明细", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        db_table = "tracking_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read"]),
            models.Index(fields=["user", "digest", "digest_day"]),
        ]
        constraints = [
            # One unread digest per user, kind and day: notify.digest_admins adds to it with
            # INSERT ... ON CONFLICT, so concurrent first events of a day never make two rows.
            models.UniqueConstraint(
                fields=["user", "digest", "digest_day"],
                condition=models.Q(read=False) & ~models.Q(digest=""),
                name="notification_one_unread_digest",
            ),
        ]


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self):  # type: ignore[override]
        raise AppendOnlyError("审计日志只能追加，不能删除")


class AuditLog(models.Model):
    """Who changed what, when, with the state before and after. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("对象类型", max_length=40)
    object_id = models.CharField("对象编号", max_length=40)
    # The task a change belongs to (a report's task, a task itself), so history shows per task.
    task_id_ref = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    at = models.DateTimeField("时间", db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        db_table = "tracking_auditlog"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除")
