from django.contrib import admin

from hotline.core.admin import ReadOnlyAdmin

from .models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "order", "what", "channel", "purpose"]
    list_filter = ["channel"]
    search_fields = ["order__number", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "order"]
