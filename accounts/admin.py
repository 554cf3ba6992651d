from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserAdminChangeForm, UserAdminCreationForm
from accounts.models import ApiToken, User
from accounts.services import DeletionSource, account_delete_request


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = ("name", "prefix", "created_at", "last_used_at")
    readonly_fields = fields
    can_delete = True
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A key is shown once, to its owner, from account settings; the admin never mints one.
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("id", "last_login", "date_joined", "deleting_at")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "deleting_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    inlines = [ApiTokenInline]
    actions = ["delete_accounts_and_files"]

    def get_inlines(self, request, obj):
        # A user being added has no tokens yet; the add form stays email + password.
        return self.inlines if obj is not None else []

    @admin.action(description="Delete account and all files", permissions=["delete"])
    def delete_accounts_and_files(self, request, queryset):
        for user in queryset:
            account_delete_request(user=user, source=DeletionSource.ADMIN)
        self.message_user(
            request, f"Deleting {len(queryset)} account(s): their files are purged, then the records.", messages.SUCCESS
        )

    # The admin's own delete (change form and bulk action) must not drop the rows and leave
    # the objects behind: it runs the purge flow, which deletes objects first, rows last.
    def delete_model(self, request, obj):
        account_delete_request(user=obj, source=DeletionSource.ADMIN)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            account_delete_request(user=user, source=DeletionSource.ADMIN)

    def get_deleted_objects(self, objs, request):
        # Usage rows, upload sessions and the like refuse deletion on their own admin pages;
        # they go with their account through the purge flow, so they need no permission here.
        deleted_objects, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted_objects, model_count, set(), protected


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__email")
    ordering = ("-created_at", "id")
    # Tokens are made by their owners, who alone see the key; the admin may look and revoke
    # (delete), never mint or edit. The secret's hash is not shown either.
    fields = ("id", "user", "name", "prefix", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
