"""Invitations (issue 11 item 5) and no account enumeration (issue 10 fault 5): sharing
with an address that has no account answers as with one, e-mails a sign-up link after
commit, and the verified sign-up turns it into a share."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kosha.origin import TASK
from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import PASSWORD, user
from sharing.access import Role, access_for_user
from sharing.models import Invitation, Share
from sharing.services.shares import share_create

pytestmark = pytest.mark.django_db
API = "/api/v1"
NEW_ADDRESS = "newcomer@example.org"
LINK = re.compile(r"https?://\S+/invitations/(\S+)")


def _share(owner, item, email, role="viewer"):
    return api_as(owner).post(f"{API}/shares/", {"folder": str(item.pk), "email": email, "role": role}, format="json")


def _shape(body):
    """The response with what must differ anyway (ids, times, the address) replaced by its type."""
    return {
        key: (_shape(value) if isinstance(value, dict) else type(value).__name__)
        if key in {"id", "created_at", "grantee"}
        else (_shape(value) if isinstance(value, dict) else value)
        for key, value in body.items()
    }


def _token_from(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def test_sharing_with_an_unknown_address_answers_exactly_as_with_a_known_one(world, django_capture_on_commit_callbacks):
    known, unknown = world.stranger.email, NEW_ADDRESS
    with django_capture_on_commit_callbacks(execute=True):
        to_known = _share(world.owner, world.sub, known)
    with django_capture_on_commit_callbacks(execute=True):
        to_unknown = _share(world.owner, world.sub, unknown)

    assert to_known.status_code == to_unknown.status_code == 201
    assert to_known.headers.get("Content-Type") == to_unknown.headers.get("Content-Type")
    assert list(to_known.json()) == list(to_unknown.json())
    assert _shape(to_known.json()) == _shape(to_unknown.json())
    assert to_known.json()["grantee"] == known.lower() and to_unknown.json()["grantee"] == unknown
    # Again: the same conflict for both.
    again_known, again_unknown = _share(world.owner, world.sub, known), _share(world.owner, world.sub, unknown)
    assert again_known.status_code == again_unknown.status_code == 409
    assert again_known.json() == again_unknown.json()
    # The owner's list shows both alike, and the answer's id removes either.
    listed = {entry["grantee"]: entry for entry in api_as(world.owner).get(f"{API}/shares/").json()["items"]}
    assert set(listed[known.lower()]) == set(listed[unknown])
    assert listed[unknown]["id"] == to_unknown.json()["id"]


def test_a_mixed_case_address_answers_alike_whether_or_not_it_has_an_account(world):
    known_upper = world.stranger.email.upper()
    to_known = _share(world.owner, world.sub, known_upper).json()
    to_unknown = _share(world.owner, world.sub, "Some.One@Example.ORG").json()

    assert to_known["grantee"] == known_upper.lower()
    assert to_unknown["grantee"] == "some.one@example.org"


def test_the_rate_limit_counts_known_and_unknown_addresses_alike(world, settings, fresh_cache):
    fresh_cache()  # the world's own two shares counted too
    settings.KOSHA_SHARES_PER_HOUR = 2
    assert _share(world.owner, world.sub, world.stranger.email).status_code == 201
    assert _share(world.owner, world.sub, "a@example.org").status_code == 201

    over_unknown = _share(world.owner, world.sub, "b@example.org")
    over_known = _share(world.owner, world.sibling, world.stranger.email)

    assert over_unknown.status_code == over_known.status_code == 429
    assert over_unknown.json()["error"]["code"] == over_known.json()["error"]["code"] == "rate_limited"
    assert 0 < int(over_unknown.headers["Retry-After"]) <= 3600
    assert not Invitation.objects.filter(email="b@example.org").exists()


def test_the_invitation_mail_leaves_after_commit_only(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()  # the world's two grantees were told of their shares

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            share_create(actor=world.owner, item=world.sub, email=NEW_ADDRESS, role="editor", origin=TASK)
            assert mail.outbox == []  # still inside the transaction

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [NEW_ADDRESS]
    assert world.owner.email in message.subject and "Sub" in message.subject
    invitation = Invitation.objects.get(email=NEW_ADDRESS)
    # The row keeps no plain token: a hash to find it, a sealed copy for the mail.
    token = _token_from(message)
    assert token not in invitation.token_sealed and invitation.token_sha256 != token


def test_a_rolled_back_share_sends_no_mail(world, django_capture_on_commit_callbacks):
    class Abandon(Exception):
        pass

    mail.outbox.clear()  # the world's two grantees were told of their shares
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Abandon):
            with transaction.atomic():
                share_create(actor=world.owner, item=world.sub, email=NEW_ADDRESS, origin=TASK)
                raise Abandon()

    assert callbacks == []
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def _invite(world, django_capture_on_commit_callbacks, email=NEW_ADDRESS, role="editor") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        assert _share(world.owner, world.sub, email, role).status_code == 201
    return _token_from(mail.outbox[-1])


def test_signing_up_through_the_invitation_link_turns_it_into_a_share_and_opens_the_folder(
    world, django_capture_on_commit_callbacks
):
    token = _invite(world, django_capture_on_commit_callbacks)
    browser = Client()

    landing = browser.get(f"/invitations/{token}")
    assert landing.status_code == 200
    assert "Sub" in landing.content.decode() and world.owner.email in landing.content.decode()
    signup = browser.get(f"/accounts/signup/?next=/invitations/{token}")
    assert f'value="{NEW_ADDRESS}"' in signup.content.decode()  # prefilled from the invitation
    answer = browser.post(
        "/accounts/signup/",
        {"email": NEW_ADDRESS, "password1": PASSWORD, "password2": PASSWORD, "next": f"/invitations/{token}"},
        follow=True,
    )

    newcomer = get_user_model().objects.get(email=NEW_ADDRESS)
    assert EmailAddress.objects.get(user=newcomer).verified  # the link proved the address
    assert answer.redirect_chain[-1][0] == f"/f/{world.sub.pk}"
    assert answer.status_code == 200
    assert access_for_user(user=newcomer, item=world.sub) == Role.EDITOR
    invitation = Invitation.objects.get(email=NEW_ADDRESS)
    assert invitation.accepted_at is not None and invitation.share.grantee == newcomer
    # The link keeps opening the folder for them, and the owner's list shows one entry.
    assert browser.get(f"/invitations/{token}").url == f"/f/{world.sub.pk}"
    entries = [e for e in api_as(world.owner).get(f"{API}/shares/").json()["items"] if e["grantee"] == NEW_ADDRESS]
    assert len(entries) == 1 and entries[0]["id"] == str(invitation.share.pk)


def test_an_unverified_sign_up_accepts_nothing_until_the_address_is_confirmed(
    world, django_capture_on_commit_callbacks
):
    _invite(world, django_capture_on_commit_callbacks)
    browser = Client()
    browser.post("/accounts/signup/", {"email": NEW_ADDRESS, "password1": PASSWORD, "password2": PASSWORD})
    newcomer = get_user_model().objects.get(email=NEW_ADDRESS)
    address = EmailAddress.objects.get(user=newcomer)
    assert not address.verified
    assert not Share.objects.filter(grantee=newcomer).exists()

    key = EmailConfirmationHMAC(address).key
    assert browser.post(f"/accounts/confirm-email/{key}/").status_code == 302

    assert Share.objects.get(grantee=newcomer).folder == world.sub


def test_a_signed_in_holder_of_the_link_with_the_address_accepts(world, django_capture_on_commit_callbacks):
    token = _invite(world, django_capture_on_commit_callbacks)
    newcomer = get_user_model().objects.create_user(email=NEW_ADDRESS, password=PASSWORD)

    answer = web_as(newcomer).get(f"/invitations/{token}")

    assert answer.status_code == 302 and answer.url == f"/f/{world.sub.pk}"
    assert Share.objects.get(grantee=newcomer).role == "editor"


def test_someone_else_signed_in_is_told_whom_the_invitation_is_for(world, django_capture_on_commit_callbacks):
    token = _invite(world, django_capture_on_commit_callbacks)

    answer = web_as(world.stranger).get(f"/invitations/{token}")

    assert answer.status_code == 200 and NEW_ADDRESS in answer.content.decode()
    assert not Share.objects.filter(grantee=world.stranger, folder=world.sub).exists()
    assert Invitation.objects.get(email=NEW_ADDRESS).accepted_at is None


def test_a_revoked_invitation_opens_nothing(world, django_capture_on_commit_callbacks):
    token = _invite(world, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=NEW_ADDRESS)

    assert api_as(world.owner).delete(f"{API}/shares/{invitation.pk}/").status_code == 204
    assert api_as(world.stranger).delete(f"{API}/shares/{invitation.pk}/").status_code == 404

    assert Client().get(f"/invitations/{token}").status_code == 404
    assert all(e["grantee"] != NEW_ADDRESS for e in api_as(world.owner).get(f"{API}/shares/").json()["items"])


def test_a_pending_invitation_is_removed_from_the_shared_by_me_page(world, django_capture_on_commit_callbacks):
    _invite(world, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=NEW_ADDRESS)
    page = web_as(world.owner)
    assert NEW_ADDRESS in page.get("/shared/by-me/").content.decode()

    answer = page.post(f"/shared/by-me/shares/{invitation.pk}/delete")

    assert answer.status_code == 302
    assert not Invitation.objects.exists()


def test_changing_a_pending_invitations_role_is_what_the_share_gets(world, django_capture_on_commit_callbacks):
    token = _invite(world, django_capture_on_commit_callbacks, role="viewer")
    invitation = Invitation.objects.get(email=NEW_ADDRESS)
    changed = api_as(world.owner).patch(f"{API}/shares/{invitation.pk}/", {"role": "editor"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "editor"
    newcomer = get_user_model().objects.create_user(email=NEW_ADDRESS, password=PASSWORD)

    web_as(newcomer).get(f"/invitations/{token}")

    assert Share.objects.get(grantee=newcomer).role == "editor"


def test_an_expired_invitation_answers_410_and_is_not_accepted(world, django_capture_on_commit_callbacks):
    token = _invite(world, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert Client().get(f"/invitations/{token}").status_code == 410
    newcomer = get_user_model().objects.create_user(email=NEW_ADDRESS, password=PASSWORD)
    assert web_as(newcomer).get(f"/invitations/{token}").status_code == 410
    assert not Share.objects.filter(grantee=newcomer).exists()
    # Not listed any more, and the owner may invite the address again.
    assert all(e["grantee"] != NEW_ADDRESS for e in api_as(world.owner).get(f"{API}/shares/").json()["items"])
    assert _share(world.owner, world.sub, NEW_ADDRESS).status_code == 201


def test_invitations_default_to_the_configured_lifetime(world, settings):
    settings.KOSHA_INVITATION_DAYS = 3
    share_create(actor=world.owner, item=world.sub, email=NEW_ADDRESS, origin=TASK)
    lifetime = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < lifetime <= timedelta(days=3)


def test_the_share_list_pages_over_shares_and_invitations_together(world):
    for number in range(3):
        share_create(actor=world.owner, item=world.file, email=f"invited-{number}@example.org", origin=TASK)
        share_create(actor=world.owner, item=world.file, email=user(f"known{number}").email, origin=TASK)
    client = api_as(world.owner)
    seen, cursor = [], None
    while True:
        page = client.get(f"{API}/shares/", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next"]
        if not cursor:
            break

    assert len(seen) == 8  # the world's two shares, three invitations, three shares
    assert len({entry["id"] for entry in seen}) == 8
    times = [entry["created_at"] for entry in seen]
    assert times == sorted(times, reverse=True)


def test_the_owners_share_list_takes_two_queries(world, django_assert_num_queries):
    share_create(actor=world.owner, item=world.file, email=NEW_ADDRESS, origin=TASK)
    client = api_as(world.owner)
    with django_assert_num_queries(2):
        assert client.get(f"{API}/shares/").status_code == 200


@pytest.fixture
def mandatory_verification(settings):
    """A server with mail: verification is mandatory (kosha/settings/accounts.py makes it so)."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.KOSHA_EMAIL_DELIVERY = True
    return settings


def test_sign_up_does_not_say_whether_an_address_is_registered(world, mandatory_verification):
    def sign_up(email):
        return Client().post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})

    mail.outbox.clear()  # the world's two grantees were told of their shares
    taken = sign_up(world.stranger.email)
    free = sign_up("free-address@example.org")

    assert taken.status_code == free.status_code == 302
    assert taken.url == free.url
    assert get_user_model().objects.filter(email__iexact=world.stranger.email).count() == 1
    # The owner of the taken address is told by mail instead; the new one gets a confirmation.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [world.stranger.email, "free-address@example.org"]
    )


def test_password_reset_does_not_say_whether_an_address_is_registered(world, mandatory_verification):
    def reset(email):
        return Client().post("/accounts/password/reset/", {"email": email})

    taken, unknown = reset(world.stranger.email), reset("unknown-address@example.org")

    assert taken.status_code == unknown.status_code == 302
    assert taken.url == unknown.url
