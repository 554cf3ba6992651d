"""Every admin changelist and change form answers 200 for a superuser, and the changelist
lists the row, generated from the admin registry so a newly registered model cannot be
forgotten."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.urls import reverse

from accounts.services import api_token_create
from kosha.origin import TASK
from kosha.testing.factories import folder, link, share, stored_file
from plans.models import UsageDrift
from storage.places import Place
from storage.services.archives import folder_archive_start
from storage.services.uploads import upload_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(local_settings, owner, collaborator):
    """At least one row of every registered model."""
    docs = folder(owner, "Docs")
    stored_file(owner, "a.txt", b"abc", folder=docs)
    upload_start(actor=owner, place=Place(owner=owner), name="pending.txt", size_bytes=3)
    share(owner, docs, collaborator)
    link(owner, docs)
    api_token_create(user=owner, name="cli")
    UsageDrift.objects.create(user=owner, field="used_bytes", recorded=1, actual=3)
    folder_archive_start(actor=owner, folder=docs, origin=TASK)
    app = SocialApp.objects.create(
        provider="openid_connect", provider_id="idp", name="IdP", client_id="kosha", secret="s", settings={}
    )
    account = SocialAccount.objects.create(user=owner, provider="idp", uid="sub-1")
    SocialToken.objects.create(app=app, account=account, token="token")


def _registered():
    return sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


def test_every_admin_changelist_and_change_form_answers_200(admin_client, everything):
    missing_rows = []

    for model, _model_admin in _registered():
        opts = model._meta
        changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        obj = model._default_manager.first()
        if obj is None:
            missing_rows.append(opts.label)
            continue
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, opts.label
        assert str(obj.pk) in changelist.content.decode(), f"{opts.label}: the changelist does not list its row"

    # Only models whose rows come from outside our flows may be empty here.
    assert set(missing_rows) <= {
        "accounts.WebhookEvent",
        "auth.Group",
        "sharing.LinkEvent",
        "django_q.Failure",
        "django_q.OrmQ",
        "django_q.Success",
        "mfa.Authenticator",
        "account.EmailAddress",
    }, missing_rows
