"""Admin pieces the apps share: views for looking rows up, with no way to write them.

Rows whose writes must go through a service (quota accounting, blobs in the store, an
audit trail) are shown read-only; operators change them through the app or its API.
"""

from django.contrib import admin


class ReadOnly:
    """No add, change or delete in the admin; a superuser may still view every row."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Changelists and change forms for viewing; no add, change or delete."""


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    """Related rows listed under their parent for viewing, with no empty rows to add."""

    extra = 0
    can_delete = False


__all__ = ["ReadOnlyAdmin", "ReadOnlyInline"]
