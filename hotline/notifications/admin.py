from typing import cast

from django.contrib import admin
from django.db.models import Model

from hotline.audit.admin import PersonalDataAdmin
from hotline.orders.models import WorkOrder

from .models import Message


@admin.register(Message)
class MessageAdmin(PersonalDataAdmin):
    """The outbox and delivery log: read-only, since a message is a record of what was said."""

    personal_data = "市民手机号码"
    personal_data_in_list = True

    list_display = [
        "order",
        "kind",
        "channel",
        "recipient",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["order__number", "recipient"]
    list_select_related = ["order"]

    def order_of(self, message: Model) -> WorkOrder | None:
        return cast(Message, message).order
