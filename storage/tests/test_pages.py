"""The file browser's pages: `/`, `/f/<folder id>` and `/trash/` render for their owner only."""

import uuid

import pytest
from django.urls import reverse

from kosha.testing.answers import html_of
from storage.models import File, Folder


@pytest.mark.django_db
def test_anonymous_visitors_to_a_folder_are_sent_to_sign_in(client, owner):
    folder = Folder.objects.create(owner=owner, name="Private")

    response = client.get(reverse("folder", args=[folder.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/f/{folder.pk}"


@pytest.mark.django_db
def test_a_folder_page_lists_its_children_with_breadcrumbs(client, owner):
    parent = Folder.objects.create(owner=owner, name="Projects")
    folder = Folder.objects.create(owner=owner, parent=parent, name="Kosha")
    Folder.objects.create(owner=owner, parent=folder, name="Designs")
    File.objects.create(owner=owner, folder=folder, name="notes.txt", size_bytes=2048, content_type="text/plain")
    File.objects.create(owner=owner, name="at-the-root.txt", size_bytes=1)
    client.force_login(owner)

    response = client.get(reverse("folder", args=[folder.pk]))

    html = html_of(response)
    assert [crumb.name for crumb in response.context["breadcrumbs"]] == ["Projects", "Kosha"]
    assert f'href="/f/{parent.pk}"' in html
    assert "Designs" in html
    assert "notes.txt" in html
    assert "2.0\xa0KB" in html
    assert "at-the-root.txt" not in html
    assert f'data-folder="{folder.pk}"' in html
    assert 'id="listing-data"' in html
    assert "js/pages/browser.js" in html
    assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_the_root_page_carries_the_browser_and_the_first_listing_page(client, owner):
    Folder.objects.create(owner=owner, name="Holidays")
    client.force_login(owner)

    response = client.get(reverse("home"))

    html = html_of(response)
    assert 'data-folder=""' in html
    assert response.context["listing"]["items"][0]["name"] == "Holidays"
    assert response.context["listing"]["breadcrumbs"] == []
    assert 'role="search"' in html
    assert "icons/filetypes.svg" in html


@pytest.mark.django_db
def test_an_empty_folder_invites_a_drop(client, owner):
    folder = Folder.objects.create(owner=owner, name="Empty")
    client.force_login(owner)

    html = client.get(reverse("folder", args=[folder.pk])).content.decode()

    assert "This folder is empty — drop files here" in html


@pytest.mark.django_db
def test_a_stranger_gets_404_for_another_users_folder(client, owner, stranger):
    folder = Folder.objects.create(owner=owner, name="Secret")
    File.objects.create(owner=owner, folder=folder, name="secret.txt", size_bytes=1)
    client.force_login(stranger)

    response = client.get(reverse("folder", args=[folder.pk]))

    assert response.status_code == 404
    assert "secret.txt" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("folder_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_a_missing_or_malformed_folder_is_404(client, owner, folder_id):
    client.force_login(owner)

    assert client.get(reverse("folder", args=[folder_id])).status_code == 404


@pytest.mark.django_db
def test_a_trashed_folder_is_404(client, owner):
    folder = Folder.objects.create(owner=owner, name="Gone", deleted_at="2024-01-01T00:00:00Z")
    client.force_login(owner)

    assert client.get(reverse("folder", args=[folder.pk])).status_code == 404


@pytest.mark.django_db
def test_the_trash_page_renders_for_its_owner(owner_web):
    response = owner_web.get(reverse("trash"))

    html = html_of(response)
    assert "js/pages/trash.js" in html
    assert "Empty trash" in html
    assert 'aria-current="page">Trash' in html
    assert "csrftoken" in response.cookies
