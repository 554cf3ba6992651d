"""The "Shared with me" page, and shared folders opened in the file browser at /f/<id>
with the recipient's role (the old /shared/f/<id> address redirects there)."""

import pytest
from django.urls import reverse

from kosha.testing.answers import assert_sent_to_sign_in, html_of
from kosha.testing.clients import web_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name,args", [("sharing:shared-with-me", []), ("folder", ["x"])])
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))

    assert_sent_to_sign_in(response)


def test_the_list_shows_what_is_shared_with_me_and_who_shared_it(world):
    response = web_as(world.viewer).get(reverse("sharing:shared-with-me"))

    html = html_of(response)
    assert reverse("folder", args=[world.shared.pk]) in html
    assert world.owner.email in html
    assert "Viewer" in html
    assert "Private sibling" not in html


def test_the_owner_and_a_stranger_see_nothing_shared_with_them(world):
    for user in (world.owner, world.stranger):
        response = web_as(user).get(reverse("sharing:shared-with-me"))

        assert response.status_code == 200
        assert "Nothing is shared with you yet." in response.content.decode()


def test_the_old_shared_folder_address_redirects_to_the_file_browser(world):
    response = web_as(world.viewer).get(reverse("sharing:shared-folder", args=[world.sub.pk]))

    assert response.status_code == 301
    assert response["Location"] == reverse("folder", args=[world.sub.pk])


def test_a_viewer_opens_the_shared_folder_in_the_file_browser_without_edit_actions(world):
    response = web_as(world.viewer).get(reverse("folder", args=[world.shared.pk]))

    html = html_of(response)
    assert "report-secret-name.txt" in html
    assert reverse("folder", args=[world.sub.pk]) in html
    assert f"Shared by <span data-shared-owner>{world.owner.email}</span>" in html
    assert response.context["listing"]["role"] == "viewer"
    # The actions stay in the page (the script shows what each folder's role allows), hidden.
    assert '<button type="button" class="btn btn-secondary" data-action="new-folder" hidden>' in html
    assert '<label class="btn file-chooser" data-upload-chooser hidden>' in html
    assert "data-upload-drop" not in html


def test_breadcrumbs_inside_a_share_start_at_the_shared_folder(world):
    response = web_as(world.viewer).get(reverse("folder", args=[world.sub.pk]))

    html = html_of(response)
    crumbs = html.split('aria-label="Folder path"')[1].split("</nav>")[0]
    assert "deep.txt" in html
    assert reverse("folder", args=[world.shared.pk]) in crumbs
    assert "Shared with me" in crumbs
    assert "My files" not in crumbs


def test_an_editor_gets_upload_and_new_folder(world):
    response = web_as(world.editor).get(reverse("folder", args=[world.shared.pk]))

    html = html_of(response)
    assert response.context["listing"]["role"] == "editor"
    assert '<button type="button" class="btn btn-secondary" data-action="new-folder">' in html
    assert '<label class="btn file-chooser" data-upload-chooser>' in html
    assert "data-upload-drop" in html


def test_a_folder_not_shared_with_me_is_404(world):
    for user, folder in ((world.stranger, world.shared), (world.viewer, world.sibling)):
        response = web_as(user).get(reverse("folder", args=[folder.pk]))

        assert response.status_code == 404


def test_the_owner_sees_their_own_folder_as_always(world):
    response = web_as(world.owner).get(reverse("folder", args=[world.shared.pk]))

    html = html_of(response)
    assert "report-secret-name.txt" in html
    assert "data-shared-by hidden" in html
    assert response.context["listing"]["role"] == "owner"


def test_the_nav_links_to_shared_with_me_and_activity(world):
    html = web_as(world.viewer).get(reverse("sharing:shared-with-me")).content.decode()

    assert f'href="{reverse("sharing:shared-with-me")}" aria-current="page"' in html
    assert f'href="{reverse("activity")}"' in html


def _nav_link(html: str, name: str) -> str:
    nav = html.split('aria-label="Main"')[1].split("</nav>")[0]
    start = nav.index(f'href="{reverse(name)}"')
    return nav[nav.rindex("<a", 0, start) : nav.index(">", start)]


def test_a_folder_shared_with_me_is_under_shared_with_me_in_the_navigation_and_says_whose_storage_it_uses(world):
    html = html_of(web_as(world.viewer).get(reverse("folder", args=[world.sub.pk])))

    assert 'aria-current="location"' in _nav_link(html, "sharing:shared-with-me")
    assert "aria-current" not in _nav_link(html, "home")
    # The storage card is the viewer's own (Drive's too); what is added here counts in the owner's.
    note = html.split("data-usage-elsewhere")[1].split("</p>")[0]
    assert "hidden" not in note.split(">")[0]
    assert f"<span data-usage-owner>{world.owner.email}</span>" in note


def test_my_own_folder_is_under_files_in_the_navigation(world):
    html = html_of(web_as(world.owner).get(reverse("folder", args=[world.shared.pk])))

    assert 'aria-current="location"' in _nav_link(html, "home")
    assert "aria-current" not in _nav_link(html, "sharing:shared-with-me")
    assert "data-usage-elsewhere hidden" in html
