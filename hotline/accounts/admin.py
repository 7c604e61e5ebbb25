from django.contrib import admin, messages

from . import services
from .models import LoginThrottle


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Failed-login counts and locks, read-only: an admin only clears them (解除锁定)."""

    list_display = ["key", "scope", "failures", "window_start", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["key"]
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="解除锁定（清除失败计数）", permissions=["delete"])
    def unlock(self, request, queryset):
        cleared = 0
        for row in queryset:
            if row.scope == LoginThrottle.Scope.USERNAME:
                cleared += services.unlock(username=row.key)
            else:
                cleared += services.unlock(address=row.key)
        self.message_user(request, f"已解除 {cleared} 项锁定", messages.SUCCESS)
