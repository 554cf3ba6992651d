"""Read-only views of what users store, for operators who need to look something up.

Nothing here writes: adding or deleting a row by hand would bypass the quota accounting
and leave blobs behind in the object store, so every change goes through the API's
services instead.
"""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat

from kosha.admin import ReadOnlyAdmin, ReadOnlyInline
from storage.backends import get_backend
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession
from storage.services.replication import replication_backlog


def _size(obj) -> str:
    return filesizeformat(obj.size_bytes)


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "parent", "created_at", "deleted_at"]
    list_select_related = ["owner", "parent"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "owner__email"]
    date_hierarchy = "created_at"


class FileVersionInline(ReadOnlyInline):
    model = FileVersion
    fields = ["number", "size", "content_type", "sha256", "key", "created_at", "created_by"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["-number"]

    @admin.display(description="size", ordering="size_bytes")
    def size(self, version: FileVersion) -> str:
        return _size(version)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(File)
class FileAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "folder", "size", "content_type", "updated_at", "deleted_at"]
    list_select_related = ["owner", "folder"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "owner__email"]
    date_hierarchy = "created_at"
    inlines = [FileVersionInline]

    @admin.display(description="size", ordering="size_bytes")
    def size(self, file: File) -> str:
        return _size(file)


class ReplicatedFilter(admin.SimpleListFilter):
    title = "replicated"
    parameter_name = "replicated"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No (the backlog)")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(replicated_at__isnull=self.value() == "no")
        return queryset


@admin.register(FileVersion)
class FileVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "file", "number", "size", "content_type", "created_at", "replicated_at", "created_by"]
    list_select_related = ["file", "created_by"]
    list_filter = [ReplicatedFilter]
    search_fields = ["file__name", "file__owner__email", "key"]
    date_hierarchy = "created_at"

    @admin.display(description="size", ordering="size_bytes")
    def size(self, version: FileVersion) -> str:
        return _size(version)

    def changelist_view(self, request, extra_context=None):
        """The replication backlog and its age above the list (with a replica configured)."""
        backlog = replication_backlog()
        if backlog.oldest_created_at is not None:
            minutes = int(backlog.age_seconds // 60)
            self.message_user(request, f"Replication backlog: {backlog.versions} version(s), oldest {minutes} min old.")
        elif get_backend().replicating:
            self.message_user(request, "Replication backlog: empty.")
        return super().changelist_view(request, extra_context)


@admin.register(UploadSession)
class UploadSessionAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "owner", "size", "strategy", "created_at", "expires_at"]
    list_select_related = ["owner"]
    list_filter = ["status", "strategy"]
    search_fields = ["name", "owner__email"]
    date_hierarchy = "created_at"

    @admin.display(description="size", ordering="size_bytes")
    def size(self, session: UploadSession) -> str:
        return _size(session)


@admin.register(FolderArchive)
class FolderArchiveAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "folder", "owner", "status", "size", "created_at", "expires_at"]
    list_select_related = ["folder", "owner"]
    list_filter = ["status"]
    search_fields = ["folder__name", "owner__email"]
    date_hierarchy = "created_at"

    @admin.display(description="size", ordering="size_bytes")
    def size(self, archive: FolderArchive) -> str:
        return "" if archive.size_bytes is None else filesizeformat(archive.size_bytes)
