from django.contrib import admin
from django.http import HttpRequest

from .models import Batch, Campaign, Problem, ProblemEvent


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["name", "target"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "starts", "ends", "target_drop"]
    filter_horizontal = ["categories", "problems"]


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    readonly_fields = ("seq", "at", "action", "from_status", "to_status", "actor", "note")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Problem | None = None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Read-only: problems change only through their services (every change is an event)."""

    list_display = ["title", "status", "leader", "lead_unit", "batch", "proposed_at"]
    list_filter = ["status", "source", "batch"]
    search_fields = ["title", "address"]
    inlines = [ProblemEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Problem | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Problem | None = None) -> bool:
        return False
