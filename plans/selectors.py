from __future__ import annotations

from typing import TYPE_CHECKING

from plans.models import Plan, Usage

if TYPE_CHECKING:
    from accounts.models import User


def plan_get_default() -> Plan:
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        # A database without the seed (or whose operator unset the default) still works:
        # the smallest tier stands in, and failing that a sign-up must not crash.
        plan = Plan.objects.order_by("position", "storage_bytes").first()
    if plan is None:
        raise Plan.DoesNotExist("No plan exists; run migrations to seed the tiers.")
    return plan


def usage_get_for_user(*, user: User) -> Usage:
    """The user's Usage with its plan. One query; locks nothing. Every account has its
    row from creation (plans/services.py), so a missing one is Usage.DoesNotExist."""
    return Usage.objects.select_related("plan").get(user=user)


def plan_list() -> list[Plan]:
    """Every tier, in the order they are offered (Plan.Meta.ordering)."""
    return list(Plan.objects.all())
