from django.contrib import admin

from policyledger.web.tracking.models import Report, Task, WarningFlip


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
