"""Mail a newcomer can live with: without a mail server nothing claims that an e-mail was
sent; with one, verification works and the MFA page leads there; SMTP through EMAIL_URL,
checked against a real SMTP server on loopback."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.mail import NO_DELIVERY_RESET_MESSAGE, NO_DELIVERY_VERIFICATION_MESSAGE
from kosha.testing.factories import PASSWORD
from kosha.testing.network import free_port

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _sign_in(client, user) -> None:
    """Through the login form, so allauth records the authentication (two-factor set-up
    asks for a recent one)."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    # Setting up two-factor asks for the password again; give it now.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- no mail server: the embedded default ---------------------------------------------------


def test_without_a_mail_server_verification_is_off_and_two_factor_is_allowed(settings):
    # What kosha/settings/accounts.py derives when EMAIL_URL is unset (the test environment sets none).
    assert settings.KOSHA_EMAIL_DELIVERY is False
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "none"
    assert settings.MFA_ALLOW_UNVERIFIED_EMAIL is True


def test_sign_up_without_a_mail_server_sends_nothing_and_claims_nothing(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )

    assert response.status_code == 200
    assert response.context["user"].email == "new@example.com"
    assert mailoutbox == []
    assert not any("sent" in message.lower() for message in _messages(response))
    assert EmailAddress.objects.get(email="new@example.com").verified is False


def test_password_reset_without_a_mail_server_explains_and_sends_nothing(client, owner, mailoutbox):
    page = client.get(reverse("account_reset_password"))
    response = client.post(reverse("account_reset_password"), {"email": owner.email})

    assert "does not send e-mail yet" in page.content.decode()
    assert "manage.py changepassword" in page.content.decode()
    assert response.status_code == 200
    assert NO_DELIVERY_RESET_MESSAGE in response.context["form"].non_field_errors()
    assert mailoutbox == []
    done = client.get(reverse("account_reset_password_done")).content.decode()
    assert "We have sent you an email" not in done
    assert "No e-mail was sent" in done


def test_resending_verification_without_a_mail_server_says_nothing_was_sent(client, owner, mailoutbox):
    client.force_login(owner)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=False, primary=True)

    response = client.post(reverse("account_email"), {"email": owner.email, "action_send": ""}, follow=True)

    assert mailoutbox == []
    assert NO_DELIVERY_VERIFICATION_MESSAGE in _messages(response)
    assert not any("Confirmation e-mail sent" in message for message in _messages(response))
    assert "does not send e-mail yet" in response.content.decode()


def test_two_factor_can_be_set_up_without_a_verified_address_when_no_mail_is_sent(client, owner):
    EmailAddress.objects.create(user=owner, email=owner.email, verified=False, primary=True)
    _sign_in(client, owner)

    index = client.get(reverse("mfa_index"))
    activate = client.get(reverse("mfa_activate_totp"))

    assert "data-no-mail-delivery" in index.content.decode()
    assert "keep the recovery codes safe" in index.content.decode()
    assert activate.status_code == 200
    assert "form" in activate.context


# --- with a mail server -----------------------------------------------------------------------


def test_the_mfa_page_asks_for_verification_and_resends_it(client, owner, mail_delivery, mailoutbox):
    # Signed in with a verified address, then added a second one that is not verified yet.
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    _sign_in(client, owner)
    EmailAddress.objects.create(user=owner, email="second@example.org", verified=False, primary=False)

    refused = client.get(reverse("mfa_activate_totp"))
    index = client.get(reverse("mfa_index")).content.decode()
    resent = client.post(reverse("account_email"), {"email": "second@example.org", "action_send": ""}, follow=True)

    assert refused.status_code == 302
    assert refused["Location"] == reverse("mfa_index")
    assert "data-unverified-email" in index
    assert 'value="second@example.org"' in index
    assert f'value="{owner.email}"' not in index
    assert 'name="action_send"' in index
    assert f'action="{reverse("account_email")}"' in index
    assert [message.to for message in mailoutbox] == [["second@example.org"]]
    assert "confirm-email" in mailoutbox[0].body
    assert any("sent" in message.lower() for message in _messages(resent))


def test_a_verified_address_needs_no_notice_on_the_mfa_page(client, owner, mail_delivery):
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    _sign_in(client, owner)

    index = client.get(reverse("mfa_index")).content.decode()

    assert "data-unverified-email" not in index
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_password_reset_sends_a_mail_for_a_known_address(client, owner, mail_delivery, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": owner.email})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]


def test_a_mail_server_that_is_down_gives_a_message_not_a_500(client, owner, mail_delivery, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5

    response = client.post(reverse("account_reset_password"), {"email": owner.email}, follow=True)

    assert response.status_code == 200
    assert any("could not be sent" in message for message in _messages(response))


# --- SMTP through EMAIL_URL: a real SMTP server on loopback -----------------------------------


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        self.received.set()
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss word")


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), authenticator=inbox.authenticate, auth_require_tls=False
    )
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def _manage(*args, **environ) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "KOSHA_EMBEDDED": "true",
        "KOSHA_CACHE": "locmem",
        "LOG_FORMAT": "text",
        **environ,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_sendtestemail_delivers_through_email_url_with_credentials(smtp_server, tmp_path):
    url = f"smtp://kosha%40example.com:p%40ss%20word@127.0.0.1:{smtp_server.port}?_default_from_email=kosha@example.com"

    result = _manage("sendtestemail", "operator@example.com", EMAIL_URL=url, KOSHA_VAR_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert smtp_server.received.wait(10)
    [(sender, recipients, content)] = smtp_server.messages
    assert (sender, recipients) == ("kosha@example.com", ["operator@example.com"])
    assert b"Test email from" in content
    assert smtp_server.logins == [(b"kosha@example.com", b"p@ss word")]


def test_a_mail_server_turns_on_delivery_and_mandatory_verification(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.KOSHA_EMAIL_DELIVERY, "
        "s.ACCOUNT_EMAIL_VERIFICATION, s.MFA_ALLOW_UNVERIFIED_EMAIL)"
    )

    starttls = _manage(
        "shell", "-v", "0", "-c", script, EMAIL_URL="submission://u:p@mail.example.com", KOSHA_VAR_DIR=str(tmp_path)
    )
    implicit = _manage(
        "shell", "-v", "0", "-c", script, EMAIL_URL="smtp://mail.example.com:465?ssl=true", KOSHA_VAR_DIR=str(tmp_path)
    )

    assert starttls.stdout.split() == ["mail.example.com", "587", "True", "False", "True", "mandatory", "False"]
    assert implicit.stdout.split() == ["mail.example.com", "465", "False", "True", "True", "mandatory", "False"]
