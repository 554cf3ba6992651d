"""Sign-up and sign-in through django-allauth's own pages."""

import pytest
from django.urls import reverse

from accounts.models import User
from kosha.testing.answers import html_of
from kosha.testing.factories import PASSWORD
from plans.models import Plan, Usage


@pytest.mark.django_db
def test_sign_up_creates_a_user_on_the_default_plan_who_reaches_home(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "New.Person@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    user = User.objects.get(email__iexact="new.person@example.com")
    usage = Usage.objects.select_related("plan").get(user=user)
    assert usage.plan == Plan.objects.get(is_default=True)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count) == (0, 0, 0)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["user"] == user


@pytest.mark.django_db
def test_sign_up_refuses_an_email_already_taken_in_another_case(client, owner):
    response = client.post(
        reverse("account_signup"),
        {"email": owner.email.upper(), "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert User.objects.filter(email__iexact=owner.email).count() == 1


@pytest.mark.django_db
def test_sign_in_by_email_lands_on_home(client, owner):
    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == owner


@pytest.mark.django_db
def test_sign_in_with_a_wrong_password_fails(client, owner):
    response = client.post(reverse("account_login"), {"login": owner.email, "password": "wrong password"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_throttled_even_with_the_right_password(client, owner):
    # ACCOUNT_RATE_LIMITS["login_failed"] allows 5 failures per account in 5 minutes.
    for _ in range(5):
        failed = client.post(reverse("account_login"), {"login": owner.email, "password": "wrong password"})
        assert failed.status_code == 200

    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_the_throttle_for_one_account_leaves_another_alone(client, owner, stranger):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": owner.email, "password": "wrong password"})

    response = client.post(reverse("account_login"), {"login": stranger.email, "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_sign_out_ends_the_session(client, owner):
    client.force_login(owner)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
)
def test_entrance_pages_render_inside_koshas_layout(client, name):
    response = client.get(reverse(name))

    html = html_of(response)
    assert "css/kosha.css" in html
    assert 'class="card card--entrance"' in html
    assert "Menu:" not in html  # allauth's bare default layout is not used
