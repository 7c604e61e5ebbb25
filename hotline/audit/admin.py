from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin

from .models import PersonalDataAccess
from .services import record_admin_view


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "order", "what", "channel", "purpose"]
    list_filter = ["channel"]
    search_fields = ["order__number", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "order"]


class PersonalDataAdmin(ReadOnlyAdmin):
    """A read-only admin whose pages show citizens' personal data in full, as an administrator
    needs them: every page that shows them is recorded in the audit log, like any other view."""

    personal_data = ""  # what a record's page shows, e.g. "来电人姓名、电话"
    personal_data_in_list = False  # the list itself shows it (else only a search by it records)

    def order_of(self, obj):
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if (
            response.status_code == 200
            and (obj := response.context_data.get("original")) is not None
        ):
            record_admin_view(request.user, order=self.order_of(obj), what=self.personal_data)
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200 and (self.personal_data_in_list or request.GET.get("q")):
            shown = response.context_data["cl"].result_count
            record_admin_view(
                request.user, order=None, what=f"列表 {shown:,} 条：{self.personal_data}"
            )
        return response
