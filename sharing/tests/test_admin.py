"""Every sharing admin changelist and change form answers 200 for a superuser; the revoke action works."""

import pytest
from django.urls import reverse

from sharing.models import LinkEvent, ShareLink

pytestmark = pytest.mark.django_db


def test_admin_pages_answer_200(world, admin_web):
    link = world.links["valid"][0]
    event = LinkEvent.objects.filter(link=link).first()
    pages = [
        reverse("admin:sharing_sharelink_changelist"),
        reverse("admin:sharing_sharelink_change", args=[link.pk]),
        reverse("admin:sharing_share_changelist"),
        reverse("admin:sharing_share_change", args=[world.viewer_share.pk]),
        reverse("admin:sharing_linkevent_changelist"),
        reverse("admin:sharing_linkevent_change", args=[event.pk]),
    ]

    assert [admin_web.get(page).status_code for page in pages] == [200] * len(pages)


def test_the_revoke_action_revokes_live_links(world, admin_web):
    link = world.links["valid"][0]

    response = admin_web.post(
        reverse("admin:sharing_sharelink_changelist"), {"action": "revoke", "_selected_action": [str(link.pk)]}
    )

    assert response.status_code == 302
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
    assert LinkEvent.objects.filter(link=link, kind=LinkEvent.Kind.REVOKED).exists()
