"""Changes to a share that the door read and someone else changed before the change
landed, on PostgreSQL: a revoke of a share already revoked; a role change or a revoke of
an invitation accepted meanwhile (it became a share, and the change is meant for it)."""

import pytest

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.clients import api_as
from kosha.testing.races import run_after
from sharing.models import Share
from sharing.services.shares import share_delete

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
API = "/api/v1"


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
