"""Single sign-on through a real OpenID provider (oidc-provider-mock on loopback), driven
through allauth's pages: PKCE, the code exchange, user info, automatic sign-up, then the
API with the new session; and the refusals (bad state, wrong audience, unverified e-mail
under mandatory verification)."""

import base64
import hashlib
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from accounts.tests.conftest import OIDC_CLIENT_ID, OIDC_PROVIDER_ID
from kosha.testing.factories import PASSWORD
from plans.models import Plan, Usage

pytestmark = pytest.mark.django_db

LOGIN_URL = f"/accounts/oidc/{OIDC_PROVIDER_ID}/login/"


def _sub() -> str:
    return f"person-{uuid.uuid4().hex[:10]}"


def _start(client, process: str = "login") -> str:
    """Press the provider's button on Kosha's page; returns the provider's authorize URL."""
    response = client.post(LOGIN_URL, {"process": process})
    assert response.status_code == 302, response.content
    return response["Location"]


def _return_to_kosha(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client, provider, *, sub: str, process: str = "login"):
    authorize_url = _start(client, process)
    return _return_to_kosha(client, provider.authorize(authorize_url, sub=sub))


def test_the_login_page_offers_the_configured_provider(client, oidc_provider):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Continue with Company account" in html
    assert f'href="{LOGIN_URL}?process=login"' in html


def test_first_sign_in_with_a_verified_address_signs_up_on_the_default_plan_and_uses_the_api(client, oidc_provider):
    sub = _sub()
    email = f"{sub}@example.org"
    oidc_provider.user_set(sub, email=email, email_verified=True, name="Ada Lovelace")

    authorize_url = _start(client)
    response = _return_to_kosha(client, oidc_provider.authorize(authorize_url, sub=sub))

    # Signed up and in: the browser lands on the file browser.
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email=email)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not user.has_usable_password()
    assert SocialAccount.objects.filter(user=user, provider=OIDC_PROVIDER_ID, uid=sub).count() == 1
    assert EmailAddress.objects.get(user=user).verified is True
    usage = Usage.objects.select_related("plan").get(user=user)
    assert usage.plan == Plan.objects.get(is_default=True)
    # The new session works on the API like a password sign-in's.
    api = client.get("/api/v1/usage/")
    assert api.status_code == 200
    assert api.json()["used_bytes"] == 0
    assert api.json()["plan"]["code"] == usage.plan.code


def test_the_authorization_request_uses_pkce_and_the_code_exchange_proves_it(client, oidc_provider):
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)

    authorize_url = _start(client)
    _return_to_kosha(client, oidc_provider.authorize(authorize_url, sub=sub))

    query = parse_qs(urlsplit(authorize_url).query)
    assert query["client_id"] == [OIDC_CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
    assert query["code_challenge_method"] == ["S256"]
    [token_request] = oidc_provider.recorder.requests_to("/oauth2/token")
    verifier = token_request.form["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [challenge]
    assert token_request.form["grant_type"] == ["authorization_code"]
    assert oidc_provider.recorder.requests_to("/userinfo"), "user info was not fetched"


def test_a_second_sign_in_reuses_the_account(client, oidc_provider):
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)
    _sign_in(client, oidc_provider, sub=sub)
    client.post("/accounts/logout/")

    response = _sign_in(client, oidc_provider, sub=sub)

    assert response.status_code == 302
    assert User.objects.filter(email=f"{sub}@example.org").count() == 1
    assert client.get("/api/v1/usage/").status_code == 200


def test_a_callback_with_a_forged_state_signs_nobody_in(client, oidc_provider):
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)
    callback_url = oidc_provider.authorize(_start(client), sub=sub)

    response = _return_to_kosha(client, callback_url.replace("state=", "state=forged"))

    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=f"{sub}@example.org").exists()
    assert oidc_provider.recorder.requests_to("/oauth2/token") == []  # the code was never exchanged


def test_an_id_token_issued_to_another_client_is_refused(client, oidc_provider):
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)
    oidc_provider.recorder.client_id_override = "some-other-client"

    response = _sign_in(client, oidc_provider, sub=sub)

    assert response.status_code == 401
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=f"{sub}@example.org").exists()
    [token_request] = oidc_provider.recorder.requests_to("/oauth2/token")
    assert token_request.form["client_id"] == ["some-other-client"]  # the token's audience


def test_an_unverified_address_does_not_sign_in_while_verification_is_mandatory(
    client, oidc_provider, mail_delivery, mailoutbox
):
    sub = _sub()
    email = f"{sub}@example.org"
    oidc_provider.user_set(sub, email=email, email_verified=False)

    response = _sign_in(client, oidc_provider, sub=sub)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert client.get("/api/v1/usage/").status_code == 401  # not signed in: a challenge
    assert EmailAddress.objects.get(email=email).verified is False
    assert [message.to for message in mailoutbox] == [[email]]


def test_a_provider_address_that_belongs_to_an_account_does_not_take_it_over(client, oidc_provider, owner):
    sub = _sub()
    oidc_provider.user_set(sub, email=owner.email, email_verified=True)

    response = _sign_in(client, oidc_provider, sub=sub)

    # allauth asks for another address instead of signing into the owner's account.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.filter(user=owner).exists()


def test_an_account_connects_a_provider_in_settings_then_signs_in_with_it_and_disconnects_it(
    client, oidc_provider, owner
):
    client.force_login(owner)
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)

    connected = _sign_in(client, oidc_provider, sub=sub, process="connect")

    assert connected.status_code == 302
    assert connected["Location"] == "/accounts/3rdparty/"
    account = SocialAccount.objects.get(user=owner, provider=OIDC_PROVIDER_ID)
    page = client.get("/accounts/3rdparty/")
    assert page.status_code == 200
    assert "Company account" in page.content.decode()
    assert 'class="settings-nav"' in page.content.decode()
    # Signing in through the provider now reaches the owner's account.
    client.post("/accounts/logout/")
    _sign_in(client, oidc_provider, sub=sub)
    assert client.session["_auth_user_id"] == str(owner.pk)

    disconnected = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert disconnected.status_code == 302
    assert not SocialAccount.objects.filter(user=owner).exists()
    # The password still works.
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD}).status_code == 302


def test_the_only_way_in_of_a_passwordless_account_cannot_be_disconnected(client, oidc_provider):
    sub = _sub()
    oidc_provider.user_set(sub, email=f"{sub}@example.org", email_verified=True)
    _sign_in(client, oidc_provider, sub=sub)
    account = SocialAccount.objects.get(uid=sub)

    response = client.post("/accounts/3rdparty/", {"account": account.pk})

    assert response.status_code == 200
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert "no password" in response.content.decode().lower()


def test_an_unreachable_provider_answers_a_page_not_a_500(client, oidc_provider, settings):
    providers = settings.SOCIALACCOUNT_PROVIDERS
    app = dict(providers["openid_connect"]["APPS"][0])
    # A port nothing listens on (the provider is down).
    app["settings"] = {**app["settings"], "server_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {**providers["openid_connect"], "APPS": [app]}}

    response = client.post(LOGIN_URL)

    assert response.status_code == 502
    assert "could not be reached" in response.content.decode()
