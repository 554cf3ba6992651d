from plans.models import Plan, Usage


def plan_get_default() -> Plan:
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        # A database without the seed (or whose operator unset the default) still works:
        # the smallest tier stands in, and failing that a sign-up must not crash.
        plan = Plan.objects.order_by("position", "storage_bytes").first()
    if plan is None:
        raise Plan.DoesNotExist("No plan exists; run migrations to seed the tiers.")
    return plan


def usage_get_for_user(*, user) -> Usage:
    """The user's Usage with its plan, created on the default plan if missing."""
    usage = Usage.objects.select_related("plan").filter(user=user).first()
    if usage is not None:
        return usage
    # Accounts made before plans existed (or by a raw loaddata) get their row lazily.
    from plans.services import usage_create

    usage = usage_create(user=user)
    return Usage.objects.select_related("plan").get(pk=usage.pk)


def plan_list() -> list[Plan]:
    """Every tier, in the order they are offered (Plan.Meta.ordering)."""
    return list(Plan.objects.all())
