from django.contrib import admin

from policyledger.web.accounts.models import ApiToken, Profile, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "active", "report_warning"]
    list_filter = ["level", "active", "report_warning"]
    search_fields = ["name"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
