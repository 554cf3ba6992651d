"""`manage.py kosha_setup`, run by `make run` on every start."""

import stat
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from plans.models import Plan


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    settings.KOSHA_VAR_DIR = tmp_path
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8123")
    return tmp_path


def _setup() -> str:
    out = StringIO()
    call_command("kosha_setup", stdout=out)
    return out.getvalue()


def _credentials(path) -> dict:
    lines = dict(line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in lines.items()}


def test_first_run_creates_one_verified_superuser_and_a_private_credentials_file(db, var_dir, django_user_model):
    output = _setup()

    admin = django_user_model.objects.get(is_superuser=True)
    path = var_dir / "initial-admin.txt"
    credentials = _credentials(path)
    assert admin.is_staff
    assert credentials["Email"] == admin.email
    assert admin.check_password(credentials["Password"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert EmailAddress.objects.filter(user=admin, email=admin.email, verified=True, primary=True).exists()
    assert "http://127.0.0.1:8123/accounts/login/" in output
    assert admin.email in output
    assert credentials["Password"] in output
    assert str(path) in output


def test_running_twice_keeps_one_superuser_and_only_points_at_the_file(db, var_dir, django_user_model):
    _setup()
    password = _credentials(var_dir / "initial-admin.txt")["Password"]

    output = _setup()

    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert str(var_dir / "initial-admin.txt") in output
    assert password not in output
    assert "createsuperuser" in output
    assert _credentials(var_dir / "initial-admin.txt")["Password"] == password


def test_no_admin_is_made_when_a_superuser_exists(db, var_dir, django_user_model):
    django_user_model.objects.create_superuser(email="boss@example.com", password="x")

    output = _setup()

    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert not (var_dir / "initial-admin.txt").exists()
    assert "createsuperuser" in output


def test_a_user_who_signed_up_with_the_admin_address_is_not_promoted(db, var_dir, django_user_model):
    squatter = django_user_model.objects.create_user(email="admin@localhost.localdomain", password="x")

    _setup()

    squatter.refresh_from_db()
    assert not squatter.is_superuser
    admin = django_user_model.objects.get(is_superuser=True)
    assert admin.email.endswith("@localhost.localdomain")


def test_the_admin_can_sign_in_under_mandatory_email_verification(db, var_dir, settings, client, django_user_model):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.LOGIN_REDIRECT_URL = "/admin/"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _setup()
    credentials = _credentials(var_dir / "initial-admin.txt")

    response = client.post("/accounts/login/", {"login": credentials["Email"], "password": credentials["Password"]})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get(is_superuser=True).pk)


def test_a_default_plan_is_created_when_none_exists(db, var_dir):
    Plan.objects.all().delete()

    _setup()
    _setup()

    assert Plan.objects.filter(is_default=True).count() == 1
    assert Plan.objects.get(is_default=True).code == "free"


def test_an_operators_choice_of_no_default_is_left_alone(db, var_dir):
    Plan.objects.filter(is_default=True).update(is_default=False)

    output = _setup()

    assert not Plan.objects.filter(is_default=True).exists()
    assert "No plan is marked as the default" in output
