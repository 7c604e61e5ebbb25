from typing import Any, cast

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from hotline.core.admin import ReadOnlyAdmin
from hotline.orders.models import WorkOrder
from hotline.org.models import User

from .models import PersonalDataAccess
from .services import record_admin_view


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "order", "what", "channel", "purpose"]
    list_filter = ["channel"]
    search_fields = ["order__number", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "order"]


def _context(response: HttpResponse) -> dict[str, Any]:
    """What an admin page answered 200 was rendered from (it is a TemplateResponse)."""
    context = cast(TemplateResponse, response).context_data
    assert context is not None, "an admin page is rendered from a context"
    return context


def _administrator(request: HttpRequest) -> User:
    """The signed-in member of staff: the admin site lets no one else in."""
    return cast(User, request.user)


class PersonalDataAdmin(ReadOnlyAdmin):
    """A read-only admin whose pages show citizens' personal data in full, as an administrator
    needs them: every page that shows them is recorded in the audit log, like any other view."""

    personal_data = ""  # what a record's page shows, e.g. "来电人姓名、电话"
    personal_data_in_list = False  # the list itself shows it (else only a search by it records)

    def order_of(self, obj: Model) -> WorkOrder | None:
        """The order whose personal data ``obj``'s page shows: by default ``obj`` is the order."""
        return cast(WorkOrder, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and (obj := _context(response).get("original")) is not None:
            record_admin_view(
                _administrator(request), order=self.order_of(obj), what=self.personal_data
            )
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200 and (self.personal_data_in_list or request.GET.get("q")):
            shown = _context(response)["cl"].result_count
            record_admin_view(
                _administrator(request), order=None, what=f"列表 {shown:,} 条：{self.personal_data}"
            )
        return response
