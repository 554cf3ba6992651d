"""Changes to a share that the door read and someone else changed before the change
landed, on PostgreSQL: a revoke of a share already revoked; a role change or a revoke of
an invitation accepted meanwhile (it became a share, and the change is meant for it)."""

import pytest

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.races import run_after
from sharing.access import Role, access_for_user
from sharing.invitations import invitations_accept
from sharing.models import Share
from sharing.services.shares import share_create, share_delete

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
API = "/api/v1"
NEWCOMER = "newcomer@example.org"


def _revoked_events(owner) -> int:
    return ActivityEvent.objects.filter(owner=owner, kind=ActivityEvent.Kind.SHARE_REVOKED).count()


def test_a_share_revoked_twice_at_once_is_revoked_once_and_the_second_is_404(owner, collaborator):
    folder = factories.folder(owner, "Team")
    share = factories.share(owner, folder, collaborator)

    # The second DELETE has read the share (the door) when the first one revokes it.
    with run_after(
        "sharing.api.views.share_for_actor",
        lambda: share_delete(actor=owner, share=Share.objects.get(pk=share.pk), origin=TASK),
    ):
        second = api_as(owner).delete(f"{API}/shares/{share.pk}/")

    assert second.status_code == 404, second.content
    assert second.json()["error"]["code"] == "not_found"
    assert not Share.objects.exists()
    assert _revoked_events(owner) == 1
    assert api_as(owner).delete(f"{API}/shares/{share.pk}/").status_code == 404  # as any later one


def _invited(owner, folder):
    """A pending invitation of an address with no account, and then an account with it
    (not yet accepted: that is the race)."""
    invitation = share_create(actor=owner, item=folder, email=NEWCOMER, role="viewer", origin=TASK)
    newcomer = factories.user("newcomer")
    newcomer.email = NEWCOMER
    newcomer.save(update_fields=["email"])
    return invitation, newcomer


def test_a_role_change_of_an_invitation_accepted_meanwhile_lands_on_the_share_it_became(owner):
    folder = factories.folder(owner, "Team")
    invitation, newcomer = _invited(owner, folder)

    # The door reads the pending invitation; the newcomer accepts it before the change.
    with run_after(
        "sharing.api.views.share_for_actor", lambda: invitations_accept(user=newcomer, email=NEWCOMER)
    ) as race:
        changed = api_as(owner).patch(f"{API}/shares/{invitation.pk}/", {"role": "editor"}, format="json")

    [share] = race.result
    assert changed.status_code == 200, changed.content
    assert (changed.json()["id"], changed.json()["role"]) == (str(share.pk), "editor")
    assert Share.objects.get(pk=share.pk).role == "editor"
    assert access_for_user(user=newcomer, item=folder) == Role.EDITOR
    event = ActivityEvent.objects.get(owner=owner, kind=ActivityEvent.Kind.SHARE_CHANGED)
    assert event.detail["role"] == "editor"


def test_a_revoke_of_an_invitation_accepted_meanwhile_revokes_the_share_it_became(owner):
    folder = factories.folder(owner, "Team")
    invitation, newcomer = _invited(owner, folder)

    with run_after("sharing.api.views.share_for_actor", lambda: invitations_accept(user=newcomer, email=NEWCOMER)):
        revoked = api_as(owner).delete(f"{API}/shares/{invitation.pk}/")

    assert revoked.status_code == 204, revoked.content
    assert not Share.objects.exists()
    assert access_for_user(user=newcomer, item=folder) is None
    assert _revoked_events(owner) == 1


def test_a_role_change_of_an_invitation_accepted_into_a_share_revoked_since_is_404(owner):
    folder = factories.folder(owner, "Team")
    invitation, newcomer = _invited(owner, folder)

    def accepted_then_revoked():
        [share] = invitations_accept(user=newcomer, email=NEWCOMER)
        share_delete(actor=owner, share=share, origin=TASK)

    with run_after("sharing.api.views.share_for_actor", accepted_then_revoked):
        changed = api_as(owner).patch(f"{API}/shares/{invitation.pk}/", {"role": "editor"}, format="json")

    assert changed.status_code == 404, changed.content
    assert not Share.objects.exists()
    assert not ActivityEvent.objects.filter(kind=ActivityEvent.Kind.SHARE_CHANGED).exists()
