from django.contrib import admin

from .models import Category, DispatchRule


class DispatchRuleInline(admin.TabularInline):
    model = DispatchRule
    extra = 0
    autocomplete_fields = ["area", "unit"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "group", "name", "routing", "default_unit", "limit_workdays", "active"]
    list_filter = ["group", "routing", "active"]
    search_fields = ["code", "name", "scope"]
    inlines = [DispatchRuleInline]


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "unit"]
    autocomplete_fields = ["category", "area", "unit"]
