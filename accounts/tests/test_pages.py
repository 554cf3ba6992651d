"""The signed-in pages: settings (with API tokens), two-factor, and allauth's manage pages."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from kosha.testing.answers import html_of
from kosha.testing.factories import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["settings", "mfa_index", "account_email", "account_change_password"])
def test_manage_pages_render_with_the_settings_navigation(owner_web, name):
    response = owner_web.get(reverse(name))

    html = html_of(response)
    assert 'aria-label="Settings"' in html
    assert "css/kosha.css" in html


@pytest.mark.django_db
def test_mfa_index_offers_the_authenticator_app(owner_web):
    response = owner_web.get(reverse("mfa_index"))

    assert response.status_code == 200
    assert reverse("mfa_activate_totp") in response.content.decode()


@pytest.mark.django_db
def test_authenticator_setup_asks_for_the_password_again_then_shows_the_qr_code(owner_web):
    first = owner_web.get(reverse("mfa_activate_totp"))
    reauthenticate = owner_web.get(first["Location"])

    owner_web.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = owner_web.get(reverse("mfa_activate_totp"))

    assert first.status_code == 302
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    assert reauthenticate.status_code == 200
    assert 'class="card card--entrance"' in reauthenticate.content.decode()
    assert response.status_code == 200
    assert 'class="element-img qr"' in response.content.decode()


@pytest.mark.django_db
def test_settings_shows_the_email_and_only_own_tokens(owner_web, owner, stranger):
    api_token_create(user=owner, name="owner laptop")
    api_token_create(user=stranger, name="stranger script")

    response = owner_web.get(reverse("settings"))

    html = html_of(response)
    assert owner.email in html
    assert "owner laptop" in html
    assert "stranger script" not in html
    assert reverse("mfa_index") in html
    assert reverse("account_change_password") in html


@pytest.mark.django_db
def test_creating_a_token_in_settings_shows_the_key_once(owner_web, owner):
    response = owner_web.post(reverse("settings_token_create"), {"name": "nas backup"})

    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=owner)
    assert key.startswith(f"kosha_{token.prefix}_")
    assert key in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert key not in owner_web.get(reverse("settings")).content.decode()


@pytest.mark.django_db
def test_creating_a_token_without_a_name_shows_the_form_error(owner_web):
    response = owner_web.post(reverse("settings_token_create"), {"name": ""})

    assert response.status_code == 400
    assert response.context["create_form"].errors["name"]
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_revoking_a_token_in_settings_deletes_it(owner_web, owner):
    token, _ = api_token_create(user=owner, name="old phone")

    response = owner_web.post(reverse("settings_token_revoke"), {"token_id": str(token.id)}, follow=True)

    assert response.status_code == 200
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "Token revoked" in response.content.decode()


@pytest.mark.django_db
def test_revoking_another_users_token_in_settings_does_nothing(owner_web, stranger):
    token, _ = api_token_create(user=stranger, name="stranger script")

    response = owner_web.post(reverse("settings_token_revoke"), {"token_id": str(token.id)}, follow=True)

    assert response.status_code == 200
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert "Token not found" in response.content.decode()


@pytest.mark.django_db
def test_settings_forms_need_post(owner_web):
    assert owner_web.get(reverse("settings_token_create")).status_code == 405
    assert owner_web.get(reverse("settings_token_revoke")).status_code == 405
