"""KOSHA_SSO_ONLY: no local password anywhere (sign-up, sign-in, reset, admin), sign-up
through the provider, and how the first admin gets in."""

import importlib
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import clear_url_caches, reverse

from accounts.models import User
from accounts.tests.conftest import OIDC_PROVIDER_ID
from accounts.tests.test_oidc_sign_in import _sign_in

pytestmark = pytest.mark.django_db


def _reload_urls():
    # allauth leaves the password views out of its URLconf at import when SOCIALACCOUNT_ONLY
    # is on, as it would at start-up.
    import allauth.account.urls
    import allauth.urls

    import kosha.urls

    for module in (allauth.account.urls, allauth.urls, kosha.urls):
        importlib.reload(module)
    clear_url_caches()


@pytest.fixture
def sso_only(settings, oidc_provider):
    settings.KOSHA_SSO_ONLY = True
    settings.SOCIALACCOUNT_ONLY = True
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    settings.SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
    _reload_urls()
    yield oidc_provider
    settings.SOCIALACCOUNT_ONLY = False
    _reload_urls()


def test_the_login_page_offers_only_the_provider(client, sso_only):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="password"' not in html
    assert "Continue with Company account" in html
    assert "/accounts/signup/" not in html


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/password/reset/", "/accounts/password/change/"])
def test_password_pages_do_not_exist(client, sso_only, path):
    assert client.get(path).status_code == 404


def test_a_password_sign_in_is_refused(client, sso_only, owner):
    response = client.post("/accounts/login/", {"login": owner.email, "password": "correct horse battery staple"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_admin_has_no_password_form_of_its_own(client, sso_only):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_up_through_the_provider_reaches_a_settings_page_without_password_links(client, sso_only):
    sub = f"sso-{uuid.uuid4().hex[:8]}"
    sso_only.user_set(sub, email=f"{sub}@example.org", email_verified=True)

    response = _sign_in(client, sso_only, sub=sub)

    assert response.status_code == 302
    assert User.objects.filter(email=f"{sub}@example.org").exists()
    page = client.get(reverse("settings"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Change password" not in html and "Two-factor" not in html
    assert reverse("socialaccount_connections") in html
    assert client.get("/").status_code == 200


def test_an_account_without_a_password_confirms_deletion_with_its_address(client, sso_only):
    sub = f"sso-{uuid.uuid4().hex[:8]}"
    email = f"{sub}@example.org"
    sso_only.user_set(sub, email=email, email_verified=True)
    _sign_in(client, sso_only, sub=sub)

    wrong = client.post(reverse("settings_account_delete"), {"email": "someone@example.org"})
    right = client.post(reverse("settings_account_delete"), {"email": email.upper()})

    assert wrong.status_code == 400
    assert right.status_code == 302
    assert User.objects.get(email=email).deleting_at is not None


def test_setup_makes_no_password_admin_and_says_how_to_become_one(sso_only, settings, tmp_path):
    settings.KOSHA_VAR_DIR = tmp_path
    out = StringIO()

    call_command("kosha_setup", stdout=out)

    assert not User.objects.filter(is_superuser=True).exists()
    assert "kosha_setup --admin" in out.getvalue()
    assert not (tmp_path / "initial-admin.txt").exists()


def test_setup_admin_promotes_the_account_that_signed_in_through_the_provider(client, sso_only):
    sub = f"sso-{uuid.uuid4().hex[:8]}"
    sso_only.user_set(sub, email=f"{sub}@example.org", email_verified=True)
    _sign_in(client, sso_only, sub=sub)

    call_command("kosha_setup", "--admin", f"{sub.upper()}@example.org", stdout=StringIO())

    user = User.objects.get(email=f"{sub}@example.org")
    assert user.is_staff and user.is_superuser
    assert user.socialaccount_set.get().provider == OIDC_PROVIDER_ID
    assert client.get("/admin/").status_code == 200


def test_setup_admin_refuses_an_address_that_never_signed_in(sso_only):
    with pytest.raises(CommandError, match="sign in once"):
        call_command("kosha_setup", "--admin", "nobody@example.org", stdout=StringIO())
