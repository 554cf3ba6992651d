from django.conf import settings
from django.db import models
from django.db.models import Q

from kosha.integers import column_validators

GiB = 1024**3


class Plan(models.Model):
    """A tier: the reference row every user on it reads their limits from."""

    # What a user is shown of their plan (GET /api/v1/usage/, the admin's form).
    LIMIT_FIELDS = (
        "code",
        "name",
        "storage_bytes",
        "max_files",
        "max_file_bytes",
        "versions_kept",
        "trash_days",
        "max_share_days",
    )

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    storage_bytes = models.BigIntegerField(help_text="Total bytes a user may store, trash and versions included.")
    # Validators: the column's PostgreSQL range on every database (kosha/integers.py), so
    # the admin refuses on SQLite what PostgreSQL could not store.
    max_files = models.PositiveIntegerField(
        help_text="Most files (not versions) a user may keep.", validators=column_validators("PositiveIntegerField")
    )
    max_file_bytes = models.BigIntegerField(help_text="Largest single file.")
    versions_kept = models.PositiveSmallIntegerField(
        default=10,
        help_text="Versions kept per file, current included.",
        validators=column_validators("PositiveSmallIntegerField"),
    )
    trash_days = models.PositiveSmallIntegerField(default=30, validators=column_validators("PositiveSmallIntegerField"))
    max_share_days = models.PositiveSmallIntegerField(
        default=30, validators=column_validators("PositiveSmallIntegerField")
    )
    is_default = models.BooleanField(default=False, help_text="New accounts start on this plan.")
    position = models.PositiveSmallIntegerField(default=0, validators=column_validators("PositiveSmallIntegerField"))

    class Meta:
        ordering = ["position", "storage_bytes", "code"]
        constraints = [
            # At most one default tier, enforced by the database.
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="plans_one_default"),
            models.CheckConstraint(condition=Q(storage_bytes__gte=0), name="plans_storage_bytes_gte_0"),
            models.CheckConstraint(condition=Q(max_file_bytes__gte=1), name="plans_max_file_bytes_gte_1"),
            models.CheckConstraint(condition=Q(versions_kept__gte=1), name="plans_versions_kept_gte_1"),
        ]

    def __str__(self) -> str:
        return self.name


class Usage(models.Model):
    """One per user: their plan and what they use. Only plans.services changes the counters."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="usage"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="usages")
    used_bytes = models.BigIntegerField(default=0)
    reserved_bytes = models.BigIntegerField(default=0)
    file_count = models.IntegerField(default=0)
    reserved_files = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]
        constraints = [
            models.CheckConstraint(condition=Q(used_bytes__gte=0), name="usage_used_bytes_gte_0"),
            models.CheckConstraint(condition=Q(reserved_bytes__gte=0), name="usage_reserved_bytes_gte_0"),
            models.CheckConstraint(condition=Q(file_count__gte=0), name="usage_file_count_gte_0"),
            models.CheckConstraint(condition=Q(reserved_files__gte=0), name="usage_reserved_files_gte_0"),
        ]

    def __str__(self) -> str:
        return f"Usage of {self.user_id}"

    @property
    def available_bytes(self) -> int:
        return max(0, self.plan.storage_bytes - self.used_bytes - self.reserved_bytes)


class UsageDrift(models.Model):
    """A counter the reconciliation janitor found wrong and corrected: evidence of a bug
    (or a hand edit) that an operator should look into, kept after the fix."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=32)
    recorded = models.BigIntegerField(help_text="What the Usage row said.")
    actual = models.BigIntegerField(help_text="What the stored rows add up to; the row now says this.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="plans_drift_user_at")]

    def __str__(self) -> str:
        return f"{self.field} of {self.user_id}: {self.recorded} -> {self.actual}"
