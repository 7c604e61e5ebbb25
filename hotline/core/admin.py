from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows records and never changes them: what they record is changed only
    through the services, or never."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
