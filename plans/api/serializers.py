from rest_framework import serializers

from plans.models import Plan, Usage


class PlanLimitsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = list(Plan.LIMIT_FIELDS)
        read_only_fields = fields


class UsageOutputSerializer(serializers.ModelSerializer):
    plan = PlanLimitsSerializer(read_only=True)
    available_bytes = serializers.IntegerField(read_only=True, help_text="Bytes left on the plan right now.")
    trash_bytes = serializers.IntegerField(
        read_only=True, help_text="Bytes of trashed files (every version): part of used_bytes until purged."
    )

    class Meta:
        model = Usage
        fields = ["used_bytes", "reserved_bytes", "file_count", "available_bytes", "trash_bytes", "plan"]
        read_only_fields = fields
