"""Staff: mark residents verified (实名) after checking their identity; register merchants with
their sector and district (区县)."""

from django.contrib import admin, messages

from .models import Merchant, ResidentProfile
from .services.errors import VoucherError
from .services.residents import mark_verified


@admin.register(ResidentProfile)
class ResidentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "phone", "verified")
    list_filter = ("verified",)
    search_fields = ("user__username", "display_name", "phone")
    actions = ["mark_verified", "mark_unverified"]

    @admin.action(description="标记为已实名")
    def mark_verified(self, request, queryset):
        done = 0
        for profile in queryset.select_related("user"):
            try:
                mark_verified(profile.user)
                done += 1
            except VoucherError as exc:
                self.message_user(request, f"{profile.user}：{exc.message}", messages.ERROR)
        self.message_user(request, f"已标记{done}人为已实名")

    @admin.action(description="撤销实名标记")
    def mark_unverified(self, request, queryset):
        for profile in queryset.select_related("user"):
            mark_verified(profile.user, verified=False)
        self.message_user(request, "已撤销实名标记")


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "sector", "district", "flagged")
    list_filter = ("sector", "district", "flagged")
    search_fields = ("name", "district")
    fields = ("name", "sector", "district", "users")
    filter_horizontal = ("users",)
