"""The "Shared by me" page: my links (whether each works now) and my shares, with revoke."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kosha.origin import TASK
from kosha.testing.clients import web_as
from kosha.testing.factories import folder, link, share, user
from sharing.models import Share, ShareLink
from storage.services.trash import file_trash

pytestmark = pytest.mark.django_db
PAGE = "/shared/by-me/"


def _row(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


def test_the_page_lists_my_links_with_their_state_and_my_shares(world):
    live, token = link(world.owner, world.file)
    expired, _ = link(world.owner, world.sub, "expired")
    binned_file, _ = link(world.owner, world.sub_file)
    used_up, _ = link(world.owner, world.file, "exhausted")
    turned_off, _ = link(world.owner, world.file, "revoked")
    ShareLink.objects.filter(pk=live.pk).update(name="For the auditors")
    file_trash(actor=world.owner, file=world.sub_file, origin=TASK)

    response = web_as(world.owner).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "For the auditors" in _row(html, f'data-link="{live.pk}"')
    assert 'data-link-state="live">Live<' in _row(html, f'data-link="{live.pk}"')
    assert f'value="http://testserver/s/{token}"' in _row(html, f'data-link="{live.pk}"')
    # An expired link keeps its address: the owner may extend it and send it again.
    assert "data-link-address" in _row(html, f'data-link="{expired.pk}"')
    assert 'data-link-state="expired">Expired<' in _row(html, f'data-link="{expired.pk}"')
    assert 'data-link-state="in_trash">Item in trash<' in _row(html, f'data-link="{binned_file.pk}"')
    assert 'data-link-state="limit_reached">Download limit reached<' in _row(html, f'data-link="{used_up.pk}"')
    assert 'data-link-state="revoked">Turned off<' in _row(html, f'data-link="{turned_off.pk}"')
    # A turned-off link cannot come back: no address, no Edit.
    assert "data-link-address" not in _row(html, f'data-link="{turned_off.pk}"')
    assert "data-link-edit-open" not in _row(html, f'data-link="{turned_off.pk}"')
    assert world.viewer.email in _row(html, f'data-share="{world.viewer_share.pk}"')
    assert world.editor.email in _row(html, f'data-share="{world.editor_share.pk}"')


def test_others_see_none_of_my_links_or_shares(world):
    made, _ = link(world.owner, world.file)

    html = web_as(world.viewer).get(PAGE).content.decode()

    assert str(made.pk) not in html and str(world.viewer_share.pk) not in html
    assert "You have no links" in html and "You share nothing" in html


def test_turning_a_link_off_takes_effect_at_once(world):
    made, token = link(world.owner, world.file)

    response = web_as(world.owner).post(reverse("sharing:shared-by-me-link-revoke", args=[made.pk]))

    assert response.status_code == 302 and response["Location"] == PAGE
    assert ShareLink.objects.get(pk=made.pk).revoked_at is not None
    assert web_as(world.stranger).get(f"/s/{token}").status_code == 410


def test_removing_a_person_ends_their_access(world):
    response = web_as(world.owner).post(reverse("sharing:shared-by-me-share-delete", args=[world.viewer_share.pk]))

    assert response.status_code == 302
    assert not Share.objects.filter(pk=world.viewer_share.pk).exists()
    assert web_as(world.viewer).get(reverse("folder", args=[world.shared.pk])).status_code == 404


@pytest.mark.parametrize("who", ["viewer", "stranger"])
def test_another_users_link_or_share_is_a_404_and_nothing_changes(world, who):
    made, _ = link(world.owner, world.file)
    client = web_as(getattr(world, who))

    assert client.post(reverse("sharing:shared-by-me-link-revoke", args=[made.pk])).status_code == 404
    assert client.post(reverse("sharing:shared-by-me-share-delete", args=[world.viewer_share.pk])).status_code == 404
    assert client.post(reverse("sharing:shared-by-me-link-revoke", args=["not-an-id"])).status_code == 404
    assert ShareLink.objects.get(pk=made.pk).revoked_at is None
    assert Share.objects.filter(pk=world.viewer_share.pk).exists()


def test_a_get_cannot_revoke(world):
    made, _ = link(world.owner, world.file)

    assert web_as(world.owner).get(reverse("sharing:shared-by-me-link-revoke", args=[made.pk])).status_code == 405
    assert ShareLink.objects.get(pk=made.pk).revoked_at is None


def test_a_bad_cursor_goes_back_to_the_first_page(world):
    response = web_as(world.owner).get(PAGE, {"links": "garbage"})

    assert response.status_code == 302 and response["Location"] == PAGE


def test_the_page_costs_the_same_queries_at_n_and_3n(owner):
    grantee = user("grantee")
    client = web_as(owner)
    counts = []
    made = 0
    for total in (4, 12):
        for index in range(made, total):
            item = folder(owner, f"Folder {index}")
            share(owner, item, grantee)
            link(owner, item)
        made = total
        with CaptureQueriesContext(connection) as captured:
            response = client.get(PAGE)
        assert response.status_code == 200
        assert response.content.decode().count("data-link=") == total
        counts.append(len(captured))

    assert counts[0] == counts[1], counts


def test_every_date_on_the_page_is_written_one_way(world):
    made, _ = link(world.owner, world.file)
    ShareLink.objects.filter(pk=made.pk).update(expires_at=datetime(2027, 3, 4, 14, 5, tzinfo=UTC))
    Share.objects.filter(pk=world.viewer_share.pk).update(created_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))

    html = web_as(world.owner).get(PAGE).content.decode()

    # Both rewritten in the browser's zone and locale (data-local-time), both "j M Y H:i UTC" without script.
    assert "data-local-time data-link-expires>4 Mar 2027 14:05 UTC<" in _row(html, f'data-link="{made.pk}"')
    assert "data-local-time>30 Nov 2026 09:00 UTC<" in _row(html, f'data-share="{world.viewer_share.pk}"')
