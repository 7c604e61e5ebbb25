from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.accounts import services as accounts
from hotline.accounts import two_factor

from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "duty_phone", "enforcement", "active"]
    list_filter = ["kind", "enforcement", "active"]
    search_fields = ["name", "area_names"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "role", "unit", "is_active", "two_factor_on"]
    list_filter = ["role", "is_active", "two_factor_required"]
    list_select_related = ["unit", "two_factor"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        ("岗位", {"fields": ["unit", "role", "phone"]}),
        ("登录安全", {"fields": ["two_factor_required", "two_factor_on"]}),
    ]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("岗位", {"fields": ["unit", "role"]})]
    readonly_fields = ["two_factor_on"]
    actions = ["unlock_login", "reset_two_factor"]

    @admin.display(description="两步验证已启用", boolean=True)
    def two_factor_on(self, user: User) -> bool:
        return hasattr(user, "two_factor")

    @admin.action(description="解除登录锁定", permissions=["change"])
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        cleared = sum(accounts.unlock(username=user.username) for user in queryset)
        self.message_user(request, f"已清除 {cleared} 个用户的登录失败计数", messages.SUCCESS)

    @admin.action(description="重置两步验证（丢失手机时）", permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = sum(two_factor.reset(user=user) for user in queryset)
        self.message_user(
            request,
            f"已重置 {done} 个用户的两步验证；需要时他们下次登录会重新设置",
            messages.SUCCESS,
        )
