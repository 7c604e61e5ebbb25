from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import LoginThrottle


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed-login counts and locks, read-only: an admin only clears them (解除锁定)."""

    list_display = ["key", "scope", "failures", "window_start", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginThrottle | None = None) -> bool:
        return False

    @admin.action(description="解除锁定（清除失败计数）", permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        cleared = 0
        for row in queryset:
            if row.scope == LoginThrottle.Scope.USERNAME:
                cleared += services.unlock(username=row.key)
            else:
                cleared += services.unlock(address=row.key)
        self.message_user(request, f"已解除 {cleared} 项锁定", messages.SUCCESS)
