from django.contrib import admin
from django.http import HttpRequest

from hotline.audit.admin import PersonalDataAdmin

from .models import Event, WorkOrder


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    readonly_fields = (
        "seq",
        "at",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_role",
        "note",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: WorkOrder | None = None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(PersonalDataAdmin):
    """Read-only: orders change only through the lifecycle services."""

    personal_data = "来电人姓名、电话"

    list_display = ["number", "registered_at", "order_type", "category", "unit", "status"]
    list_filter = ["status", "order_type", "urgency", "channel"]
    search_fields = ["number", "title", "caller_phone"]
    date_hierarchy = "registered_at"
    inlines = [EventInline]
