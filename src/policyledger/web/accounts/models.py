"""Units (责任单位) and the people who act for them.

Codes are stored in English so the API and the database stay stable; every label a user
reads is Chinese.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Unit(models.Model):
    """A responsible unit in the registry: 市商务局, 各县区人民政府, ..."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县"

    class ReportWarning(models.TextChoices):
        NORMAL = "normal", "正常"
        MISSING = "missing", "未按期报送"

    name = models.CharField("名称", max_length=100, unique=True)
    # Other spellings seen in documents (发改委 for 发展改革委); matched when importing.
    aliases = models.JSONField("别名", default=list, blank=True)
    level = models.CharField("层级", max_length=10, choices=Level.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # A deactivated unit is offered nowhere (matching, pickers); its tasks and history stay.
    active = models.BooleanField("启用", default=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    # The leader a 督办 (escalation of a unit late again and again) is addressed and e-mailed to.
    leader_name = models.CharField("分管领导", max_length=50, blank=True)
    leader_email = models.EmailField("分管领导邮箱", blank=True)
    # Moved only by the warning job, by compare-and-set; each move is a tracking.WarningFlip row.
    report_warning = models.CharField(
        "报送状态", max_length=10, choices=ReportWarning.choices, default=ReportWarning.NORMAL
    )
    report_warning_changed_at = models.DateTimeField("报送状态变化时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """A user's unit and role; rights are decided in accounts.permissions from these two."""

    class Role(models.TextChoices):
        ADMIN = "admin", "牵头办管理员"
        REPORTER = "reporter", "责任单位填报人"
        VIEWER = "viewer", "领导（只读）"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        verbose_name = "用户资料"
        verbose_name_plural = "用户资料"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for a unit's own system; only the SHA-256 of the key is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, shown so a user can tell tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    # Chosen at creation (API_TOKEN_DAYS by default); after it the token answers 401.
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    revoked = models.BooleanField("已停用", default=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
