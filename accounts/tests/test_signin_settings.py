"""Sign-in and mail settings read from the environment: a mistake stops start-up with a
message that names the variable, never a 500 on a page."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kosha.sso import sso_config_from_env
from kosha.testing.startup import start_up

KEYCLOAK = {
    "KOSHA_OIDC_PROVIDERS": "keycloak",
    "KOSHA_OIDC_KEYCLOAK_ISSUER": "https://sso.example.com/realms/main",
    "KOSHA_OIDC_KEYCLOAK_CLIENT_ID": "kosha",
    "KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET": "s3cret",
}


def test_an_oidc_provider_becomes_an_allauth_app_with_pkce_and_its_discovery_url():
    config = sso_config_from_env({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_NAME": "Company account"})

    [app] = config.providers["openid_connect"]["APPS"]
    assert config.provider_ids == ("keycloak",)
    assert app["provider_id"] == "keycloak"
    assert app["name"] == "Company account"
    assert (app["client_id"], app["secret"]) == ("kosha", "s3cret")
    assert app["settings"]["server_url"] == "https://sso.example.com/realms/main/.well-known/openid-configuration"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["scope"] == ["openid", "profile", "email"]


def test_several_oidc_providers_keep_their_order_and_an_issuer_slash_is_not_doubled():
    config = sso_config_from_env(
        {
            **KEYCLOAK,
            "KOSHA_OIDC_PROVIDERS": "keycloak,my-authentik",
            "KOSHA_OIDC_MY_AUTHENTIK_ISSUER": "https://auth.example.com/application/o/kosha/",
            "KOSHA_OIDC_MY_AUTHENTIK_CLIENT_ID": "abc",
            "KOSHA_OIDC_MY_AUTHENTIK_CLIENT_SECRET": "def",
        }
    )

    apps = config.providers["openid_connect"]["APPS"]
    assert [app["provider_id"] for app in apps] == ["keycloak", "my-authentik"]
    assert apps[1]["name"] == "my-authentik"
    assert apps[1]["settings"]["server_url"] == (
        "https://auth.example.com/application/o/kosha/.well-known/openid-configuration"
    )


def test_google_and_github_need_both_their_id_and_secret():
    config = sso_config_from_env(
        {
            "KOSHA_GOOGLE_CLIENT_ID": "g-id.apps.googleusercontent.com",
            "KOSHA_GOOGLE_CLIENT_SECRET": "g-secret",
            "KOSHA_GITHUB_CLIENT_ID": "Iv1.abc",
            "KOSHA_GITHUB_CLIENT_SECRET": "gh-secret",
        }
    )

    assert config.provider_ids == ("google", "github")
    assert config.providers["google"]["APPS"][0]["client_id"] == "g-id.apps.googleusercontent.com"
    assert "user:email" in config.providers["github"]["SCOPE"]
    assert sso_config_from_env({}).is_configured is False


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET": ""}, "KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET must be set"),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_ISSUER": "sso.example.com/realms/main"}, "must be an absolute https URL"),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_ISSUER": "http://sso.example.com/realms/main"}, "must use https"),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_ISSUER": "https://sso.example.com:99999/"}, "must be a URL"),
        (
            {**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_ISSUER": "https://sso.example.com/.well-known/openid-configuration"},
            "not its discovery document",
        ),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_ISSUER": "https://sso.example.com/?realm=main"}, "query"),
        ({**KEYCLOAK, "KOSHA_OIDC_PROVIDERS": "keycloak,keycloak"}, "more than once"),
        ({**KEYCLOAK, "KOSHA_OIDC_PROVIDERS": "Key_Cloak"}, "is not a provider id"),
        ({**KEYCLOAK, "KOSHA_OIDC_PROVIDERS": "google"}, "is reserved"),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_SCOPES": "profile email"}, "must include 'openid'"),
        ({**KEYCLOAK, "KOSHA_OIDC_AUTHENTIK_ISSUER": "https://a.example.com/"}, "not listed in KOSHA_OIDC_PROVIDERS"),
        ({**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_SECRET": "oops"}, "is not a Kosha variable"),
        (
            {
                **KEYCLOAK,
                "KOSHA_OIDC_PROVIDERS": "keycloak,authentik",
                "KOSHA_OIDC_AUTHENTIK_ISSUER": "https://auth.example.com/application/o/kosha/",
                "KOSHA_OIDC_AUTHENTIK_CLIENT_ID": "kosha",
                "KOSHA_OIDC_AUTHENTIK_CLIENT_SECRET": "x",
            },
            "have the same client id 'kosha'",
        ),
        ({**KEYCLOAK, "KOSHA_GITHUB_CLIENT_ID": "kosha", "KOSHA_GITHUB_CLIENT_SECRET": "x"}, "same client id"),
        ({"KOSHA_GOOGLE_CLIENT_ID": "g-id"}, "KOSHA_GOOGLE_CLIENT_SECRET must be set too"),
    ],
)
def test_a_misconfigured_provider_is_refused_with_a_message_naming_the_variable(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        sso_config_from_env(environ)


def test_start_up_stops_on_a_missing_client_secret_and_names_it(tmp_path):
    result = start_up(tmp_path, **{**KEYCLOAK, "KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET": ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured: KOSHA_OIDC_KEYCLOAK_CLIENT_SECRET must be set" in result.stderr


def test_start_up_passes_allauths_checks_with_sso_only_and_a_provider(tmp_path):
    result = start_up(tmp_path, KOSHA_SSO_ONLY="true", **KEYCLOAK)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"KOSHA_SSO_ONLY": "true"}, "KOSHA_SSO_ONLY=true needs a provider"),
        ({"ACCOUNT_EMAIL_VERIFICATION": "mandatory"}, "ACCOUNT_EMAIL_VERIFICATION=mandatory needs a mail server"),
        ({"EMAIL_URL": "smtps://mail.example.com"}, "EMAIL_URL must start with one of"),
        ({"EMAIL_URL": "smtp://mail.example.com:notaport"}, "EMAIL_URL is not a valid mail URL"),
        ({"EMAIL_URL": "smtp://mail.example.com", "EMAIL_HOST": "other"}, "not both"),
        ({"KOSHA_IDENTITY_WEBHOOK_STANDARD_SECRET": "whsec_not*base64"}, "must be a Standard Webhooks secret"),
        ({"KOSHA_IDENTITY_WEBHOOK_PROVIDER": "clerk"}, "is not a configured sign-in provider"),
    ],
)
def test_start_up_stops_on_a_bad_mail_or_sign_in_setting(tmp_path, environ, message):
    result = start_up(tmp_path, **environ)

    assert result.returncode != 0
    assert message in result.stderr
