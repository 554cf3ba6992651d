"""Operators read every user's activity here; nobody edits or deletes it by hand."""

from django.contrib import admin

from activity.models import ActivityEvent
from kosha.admin import ReadOnlyAdmin


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "actor", "owner", "item_type", "item_name", "via", "ip_address")
    list_filter = ("kind", "via", "at")
    list_select_related = ("actor", "owner")
    search_fields = ("actor__email", "owner__email", "item_id", "item_name", "ip_address")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "kind",
        "actor",
        "owner",
        "item_type",
        "item_id",
        "item_name",
        "detail",
        "via",
        "ip_address",
    )
    show_full_result_count = False  # a COUNT(*) over a big log on every page is slow
