"""The "Shared with me" pages: the list of what others share with me, and a shared folder
browsed within the share (read-only for a viewer, rename and trash for an editor)."""

import pytest
from django.urls import reverse

from kosha.testing.clients import web_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name,args", [("sharing:shared-with-me", []), ("sharing:shared-folder", ["x"])])
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_list_shows_what_is_shared_with_me_and_who_shared_it(world):
    response = web_as(world.viewer).get(reverse("sharing:shared-with-me"))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("sharing:shared-folder", args=[world.shared.pk]) in html
    assert world.owner.email in html
    assert "Viewer" in html
    assert "Private sibling" not in html


def test_the_owner_and_a_stranger_see_nothing_shared_with_them(world):
    for user in (world.owner, world.stranger):
        response = web_as(user).get(reverse("sharing:shared-with-me"))

        assert response.status_code == 200
        assert "Nothing is shared with you yet." in response.content.decode()


def test_a_viewer_browses_the_shared_folder_read_only(world):
    response = web_as(world.viewer).get(reverse("sharing:shared-folder", args=[world.shared.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "report-secret-name.txt" in html
    assert reverse("sharing-api:shared-file-download", args=[world.file.pk]) in html
    assert reverse("sharing:shared-folder", args=[world.sub.pk]) in html
    assert 'data-shared-action="rename"' not in html
    assert "js/pages/shared-folder.js" not in html


def test_breadcrumbs_inside_a_share_stop_at_the_shared_folder(world):
    response = web_as(world.viewer).get(reverse("sharing:shared-folder", args=[world.sub.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "deep.txt" in html
    assert reverse("sharing:shared-folder", args=[world.shared.pk]) in html
    assert "My files" not in html.split('aria-label="Folder path"')[1].split("</nav>")[0]


def test_an_editor_gets_rename_and_trash(world):
    response = web_as(world.editor).get(reverse("sharing:shared-folder", args=[world.shared.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-shared-action="rename"' in html
    assert 'data-shared-action="trash"' in html
    assert "js/pages/shared-folder.js" in html


def test_a_folder_not_shared_with_me_is_404(world):
    for user, folder in ((world.stranger, world.shared), (world.viewer, world.sibling)):
        response = web_as(user).get(reverse("sharing:shared-folder", args=[folder.pk]))

        assert response.status_code == 404


def test_the_owner_can_open_their_own_folder_here_too(world):
    response = web_as(world.owner).get(reverse("sharing:shared-folder", args=[world.shared.pk]))

    assert response.status_code == 200
    assert "report-secret-name.txt" in response.content.decode()


def test_the_nav_links_to_shared_with_me_and_activity(world):
    html = web_as(world.viewer).get(reverse("sharing:shared-with-me")).content.decode()

    assert f'href="{reverse("sharing:shared-with-me")}" aria-current="page"' in html
    assert f'href="{reverse("activity")}"' in html
