from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "duty_phone", "enforcement", "active"]
    list_filter = ["kind", "enforcement", "active"]
    search_fields = ["name", "area_names"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    autocomplete_fields = ["unit"]
    fieldsets = [*UserAdmin.fieldsets, ("岗位", {"fields": ["unit", "role", "phone"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("岗位", {"fields": ["unit", "role"]})]
