"""Operators read every user's activity here; nobody edits or deletes it by hand."""

from django.contrib import admin

from activity.models import ActivityEvent


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "actor", "object_type", "object_id", "ip_address")
    list_filter = ("kind", "at")
    list_select_related = ("actor",)
    search_fields = ("actor__email", "object_id", "ip_address")
    date_hierarchy = "at"
    readonly_fields = ("at", "kind", "actor", "object_type", "object_id", "detail", "ip_address")
    show_full_result_count = False  # a COUNT(*) over a big log on every page is slow

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
