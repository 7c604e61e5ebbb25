from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin

from .models import RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "days",
        "cutoff",
        "dry_run",
        "source",
        "orders",
        "events",
        "messages",
        "attachments",
    ]
    list_filter = ["dry_run", "source"]
    date_hierarchy = "started_at"
