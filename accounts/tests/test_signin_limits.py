"""allauth's limits see the real visitor behind trusted proxies; failed logins lock out
only the address they came from; sign-up does not reveal registered addresses
(issue 10, faults 5 and 6, the sign-in part)."""

import pytest
from django.urls import reverse

from accounts.models import User
from kosha.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _fail_login(client, email, **extra):
    response = client.post(reverse("account_login"), {"login": email, "password": "wrong password"}, **extra)
    assert response.status_code == 200
    return response


def _login(client, email, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD}, **extra)


def test_failed_logins_from_one_address_do_not_lock_the_owner_out_from_another(client, owner):
    # ACCOUNT_RATE_LIMITS["login_failed"]: 5 failures per (account, client) in 5 minutes.
    for _ in range(5):
        _fail_login(client, owner.email, REMOTE_ADDR="203.0.113.9")
    attacker = _login(client, owner.email, REMOTE_ADDR="203.0.113.9")

    owner_response = _login(client, owner.email, REMOTE_ADDR="198.51.100.7")

    assert "Too many failed login attempts" in attacker.content.decode()
    assert owner_response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_behind_a_trusted_proxy_visitors_are_told_apart_by_x_forwarded_for(client, owner, settings):
    settings.KOSHA_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        _fail_login(client, owner.email, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)

    same_visitor = _login(client, owner.email, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    other_visitor = _login(client, owner.email, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert "Too many failed login attempts" in same_visitor.content.decode()
    assert other_visitor.status_code == 302


def test_sign_up_limits_count_per_visitor_behind_the_proxy(client, settings):
    settings.KOSHA_TRUSTED_PROXIES = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def sign_up(email, visitor):
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        client.logout()
        return client.post(reverse("account_signup"), data, HTTP_X_FORWARDED_FOR=visitor, **proxy)

    first = [sign_up(f"a{i}@example.com", "203.0.113.9").status_code for i in range(3)]
    other = sign_up("b@example.com", "198.51.100.7")

    assert first == [302, 302, 429]
    assert other.status_code == 302
    assert User.objects.filter(email="b@example.com").exists()


def test_a_forged_x_forwarded_for_does_not_escape_the_limit_without_a_trusted_proxy(client, owner):
    for index in range(5):
        _fail_login(client, owner.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")

    response = _login(client, owner.email, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert "Too many failed login attempts" in response.content.decode()


def test_a_request_with_fewer_forwarded_entries_than_proxies_is_not_a_500(client, owner, settings):
    # allauth's own reading raises ImproperlyConfigured here; ours falls back.
    settings.KOSHA_TRUSTED_PROXIES = 2

    response = _login(client, owner.email, HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert response.status_code == 302


def test_sign_up_with_a_registered_address_answers_like_a_new_one_and_tells_the_owner(
    client, owner, mail_delivery, mailoutbox
):
    new = client.post(
        reverse("account_signup"), {"email": "fresh@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    client.logout()
    taken = client.post(
        reverse("account_signup"), {"email": owner.email.upper(), "password1": PASSWORD, "password2": PASSWORD}
    )

    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    assert taken["Location"] == reverse("account_email_verification_sent")
    page = client.get(taken["Location"])
    assert page.status_code == 200
    assert User.objects.filter(email__iexact=owner.email).count() == 1
    # Each address got one mail: a link for the new one, "you already have an account" for the owner.
    assert sorted(message.to[0].lower() for message in mailoutbox) == sorted(["fresh@example.com", owner.email])
    owner_mail = next(message for message in mailoutbox if message.to[0].lower() == owner.email)
    assert "already" in owner_mail.body.lower()


def test_password_reset_answers_alike_for_unknown_and_registered_addresses(client, owner, mail_delivery):
    known = client.post(reverse("account_reset_password"), {"email": owner.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
