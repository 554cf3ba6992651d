"""Operators manage tiers and who is on them here. An interface only: writes go through
plans.services, and the usage counters are read-only because only the quota services may
change them."""

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from plans.models import Plan, Usage, UsageDrift
from plans.services import usage_set_plan, usages_move_to_plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "storage",
        "max_file_size",
        "max_files",
        "versions_kept",
        "trash_days",
        "max_share_days",
        "is_default",
        "users",
    ]
    list_display_links = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["position", "storage_bytes", "code"]
    fields = [*Plan.LIMIT_FIELDS, "is_default", "position"]

    def get_queryset(self, request):
        # The user count is annotated so the changelist stays one query however many tiers.
        # A correlated subquery rather than a JOIN + GROUP BY, so the paginator's COUNT(*)
        # can drop it instead of scanning every Usage row.
        users = Usage.objects.filter(plan=OuterRef("pk")).order_by().values("plan").annotate(n=Count("*")).values("n")
        return (
            super().get_queryset(request).annotate(user_count=Coalesce(Subquery(users, output_field=IntegerField()), 0))
        )

    @admin.display(description="storage", ordering="storage_bytes")
    def storage(self, plan: Plan) -> str:
        return filesizeformat(plan.storage_bytes)

    @admin.display(description="max file size", ordering="max_file_bytes")
    def max_file_size(self, plan: Plan) -> str:
        return filesizeformat(plan.max_file_bytes)

    @admin.display(description="users", ordering="user_count")
    def users(self, plan: Plan) -> str:
        url = reverse("admin:plans_usage_changelist") + f"?plan__id__exact={plan.pk}"
        return format_html('<a href="{}">{}</a>', url, plan.user_count)


def _move_to_plan_action(plan: Plan):
    def action(modeladmin, request, queryset):
        moved = usages_move_to_plan(user_ids=queryset.values_list("user_id", flat=True), plan=plan)
        modeladmin.message_user(request, f"Moved {moved} user(s) to the {plan.name} plan.", messages.SUCCESS)

    action.allowed_permissions = ("change",)
    return action


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    list_display = ["user_email", "plan", "used", "reserved", "file_count", "updated_at"]
    list_select_related = ["user", "plan"]
    list_filter = ["plan"]
    search_fields = ["user__email"]
    # Skip the second COUNT(*) over every account on filtered pages.
    show_full_result_count = False
    ordering = ["user__email"]
    fields = ["user", "plan", "used_bytes", "reserved_bytes", "file_count", "reserved_files", "updated_at"]
    # Only the quota services change the counters, under the Usage row lock.
    readonly_fields = ["user", "used_bytes", "reserved_bytes", "file_count", "reserved_files", "updated_at"]

    @admin.display(description="user", ordering="user__email")
    def user_email(self, usage: Usage) -> str:
        return usage.user.email

    @admin.display(description="used", ordering="used_bytes")
    def used(self, usage: Usage) -> str:
        return filesizeformat(usage.used_bytes)

    @admin.display(description="reserved", ordering="reserved_bytes")
    def reserved(self, usage: Usage) -> str:
        return filesizeformat(usage.reserved_bytes)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        # One action per tier: "Move selected users to Pro", and so on. The admin asks for
        # the actions more than once per page, so the tiers are read once per request.
        if not hasattr(request, "_kosha_plans"):
            request._kosha_plans = list(Plan.objects.all())
        for plan in request._kosha_plans:
            name = f"move_to_plan_{plan.pk}"
            actions[name] = (_move_to_plan_action(plan), name, f"Move selected users to {plan.name}")
        return actions

    def save_model(self, request, obj, form, change):
        # Only the plan is editable; the service changes it under the Usage row lock.
        if "plan" in form.changed_data:
            usage_set_plan(user=obj.user, plan=obj.plan)

    def has_add_permission(self, request):
        # Every account gets its Usage row when it is created (plans.signals).
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would lose the counters; it goes when the account goes.
        return False


@admin.register(UsageDrift)
class UsageDriftAdmin(admin.ModelAdmin):
    """What the reconciliation janitor corrected: read-only evidence to investigate."""

    list_display = ["at", "user", "field", "recorded", "actual"]
    list_filter = ["field"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
