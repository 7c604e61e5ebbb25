from django.contrib import admin

from .models import CalendarDay, SlaPolicy
from .policy import DeadlineKind


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "order_type", "category", "urgency"]
    list_filter = ["order_type", "urgency"]
    autocomplete_fields = ["category"]
    fieldsets = [
        ("适用范围（留空表示不限）", {"fields": ["name", "order_type", "category", "urgency"]}),
        ("时限", {"fields": [(f"{k}_amount", f"{k}_unit") for k in DeadlineKind]}),
    ]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "workday", "name"]
    list_filter = ["workday"]
    date_hierarchy = "day"
