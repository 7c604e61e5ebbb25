from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox and delivery log: read-only, since a message is a record of what was said."""

    list_display = ["order", "kind", "channel", "recipient", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["order__number", "recipient"]
    list_select_related = ["order"]
