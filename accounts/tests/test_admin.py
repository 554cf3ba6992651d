import pytest
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import api_token_create


@pytest.mark.django_db
def test_user_changelist_change_and_add_forms_answer(admin_web, owner):
    assert admin_web.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert admin_web.get(reverse("admin:accounts_user_changelist"), {"q": owner.email}).status_code == 200
    assert admin_web.get(reverse("admin:accounts_user_change", args=[owner.pk])).status_code == 200
    assert admin_web.get(reverse("admin:accounts_user_add")).status_code == 200


@pytest.mark.django_db
def test_admin_adds_a_user_with_email_and_password(admin_web):
    response = admin_web.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "added@example.com",
            "usable_password": "true",
            "password1": "a long pass 123",
            "password2": "a long pass 123",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="added@example.com")
    assert user.check_password("a long pass 123")


@pytest.mark.django_db
def test_api_token_admin_is_read_only_and_hides_the_hash(admin_web, owner):
    token, _ = api_token_create(user=owner, name="cli")

    changelist = admin_web.get(reverse("admin:accounts_apitoken_changelist"))
    change = admin_web.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert token.secret_hash not in change.content.decode()
    assert admin_web.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    admin_web.post(reverse("admin:accounts_apitoken_change", args=[token.pk]), {"name": "renamed"})
    token.refresh_from_db()
    assert token.name == "cli"
    assert ApiToken.objects.filter(pk=token.pk).exists()
