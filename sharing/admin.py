from django.contrib import admin, messages

from kosha.admin import ReadOnlyInline
from kosha.origin import Origin
from sharing.models import LinkEvent, Share, ShareLink
from sharing.services.links import share_links_revoke


class LinkEventInline(ReadOnlyInline):
    model = LinkEvent
    fields = ["kind", "address", "at"]
    readonly_fields = fields
    ordering = ["-at"]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "file",
        "folder",
        "is_drop",
        "expires_at",
        "download_count",
        "max_downloads",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["is_drop", "revoked_at"]
    search_fields = ["owner__email", "file__name", "folder__name"]
    list_select_related = ["owner", "file", "folder"]
    readonly_fields = ["id", "owner", "file", "folder", "token_sha256", "download_count", "created_at", "revoked_at"]
    # The change form shows what the list does (never the token's hash).
    fields = list_display
    inlines = [LinkEventInline]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # A link's token is shown once, to the owner who makes it: links come from the app.
        return False

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset):
        count = share_links_revoke(
            actor=request.user,
            link_ids=list(queryset.values_list("pk", flat=True)),
            origin=Origin.of(request, via="admin"),
        )
        self.message_user(request, f"Revoked {count} link(s).", messages.SUCCESS)


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "grantee", "file", "folder", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["owner__email", "grantee__email", "file__name", "folder__name"]
    list_select_related = ["owner", "grantee", "file", "folder"]
    raw_id_fields = ["owner", "grantee", "file", "folder"]


@admin.register(LinkEvent)
class LinkEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "link", "address"]
    list_filter = ["kind"]
    list_select_related = ["link"]
    readonly_fields = ["link", "kind", "address", "at"]

    def has_add_permission(self, request):
        return False
