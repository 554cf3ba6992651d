"""Every account has its Usage row from the moment it exists, whichever door made it
(sign-up: accounts/tests/test_auth.py); reads and locks never create one, and the
reconciler repairs an account that has none."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from kosha.testing.factories import PASSWORD
from plans.models import Plan, Usage
from plans.selectors import usage_get_for_user
from plans.services import usage_lock
from storage.services.janitors import usage_reconcile

pytestmark = pytest.mark.django_db


def _has_default_usage(email: str) -> bool:
    usage = Usage.objects.select_related("plan").filter(user__email=email).first()
    return usage is not None and usage.plan == Plan.objects.get(is_default=True)


def test_an_account_the_admin_adds_has_its_usage_row(admin_web):
    admin_web.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "added@example.com",
            "usable_password": "true",
            "password1": "a long pass 123",
            "password2": "a long pass 123",
        },
    )

    assert _has_default_usage("added@example.com")


def test_createsuperuser_gives_the_account_its_usage_row(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)

    call_command("createsuperuser", interactive=False, email="root@example.com", verbosity=0)

    assert _has_default_usage("root@example.com")


def test_the_first_run_admin_has_its_usage_row(settings, tmp_path, monkeypatch):
    settings.KOSHA_VAR_DIR = tmp_path
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8123")

    call_command("kosha_setup", verbosity=0)

    admin = User.objects.get(is_superuser=True)
    assert _has_default_usage(admin.email)


def test_reads_and_locks_never_create_a_missing_row(owner):
    Usage.objects.filter(user=owner).delete()

    with pytest.raises(Usage.DoesNotExist):
        usage_get_for_user(user=owner)
    with pytest.raises(Usage.DoesNotExist), transaction.atomic():
        usage_lock(user=owner)

    assert not Usage.objects.filter(user=owner).exists()


def test_the_reconciler_gives_an_account_without_a_row_one_on_the_default_plan(owner):
    Usage.objects.filter(user=owner).delete()

    drift = usage_reconcile(user_id=owner.pk)

    assert drift == []
    assert _has_default_usage(owner.email)
