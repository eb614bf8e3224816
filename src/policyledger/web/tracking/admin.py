from django.contrib import admin

from policyledger.web.tracking.models import AuditLog, Report, Task, WarningFlip


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["pk", "measure", "lead_unit", "deadline", "status", "percent", "warning"]
    list_filter = ["status", "warning"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "task", "period_label", "status", "percent", "submitted_at"]
    list_filter = ["status"]


@admin.register(WarningFlip)
class WarningFlipAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "task", "unit", "old", "new"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
