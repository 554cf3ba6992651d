"""The home page: the root folder's listing and the usage card."""

import pytest
from django.urls import reverse

from kosha.testing.answers import html_of
from plans.models import Usage
from storage.models import File, Folder


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/"


@pytest.mark.django_db
def test_home_lists_the_owners_root_items_and_not_the_strangers(client, owner, stranger):
    folder = Folder.objects.create(owner=owner, name="Holidays")
    File.objects.create(owner=owner, name="report.pdf", size_bytes=1536, content_type="application/pdf")
    File.objects.create(owner=owner, folder=folder, name="inside-folder.jpg", size_bytes=10)
    File.objects.create(owner=owner, name="trashed.txt", deleted_at="2024-01-01T00:00:00Z")
    Folder.objects.create(owner=stranger, name="Stranger folder")
    File.objects.create(owner=stranger, name="stranger-secret.txt", size_bytes=5)
    client.force_login(owner)

    response = client.get(reverse("home"))

    html = html_of(response)
    assert "Holidays" in html
    assert "report.pdf" in html
    assert "1.5\xa0KB" in html
    assert "inside-folder.jpg" not in html
    assert "trashed.txt" not in html
    assert "Stranger folder" not in html
    assert "stranger-secret.txt" not in html


@pytest.mark.django_db
def test_the_stranger_sees_only_their_own_files(client, owner, stranger):
    File.objects.create(owner=owner, name="owner-only.txt", size_bytes=1)
    File.objects.create(owner=stranger, name="mine.txt", size_bytes=1)
    client.force_login(stranger)

    html = client.get(reverse("home")).content.decode()

    assert "mine.txt" in html
    assert "owner-only.txt" not in html


@pytest.mark.django_db
def test_home_shows_usage_against_the_plan(client, owner):
    usage = Usage.objects.select_related("plan").get(user=owner)
    Usage.objects.filter(pk=usage.pk).update(used_bytes=usage.plan.storage_bytes // 4, file_count=3)
    client.force_login(owner)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.context["used_percent"] == 25.0
    assert 'aria-valuenow="25"' in html
    assert f"3 of {usage.plan.max_files:,} files" in html
    assert usage.plan.name in html


@pytest.mark.django_db
def test_home_offers_the_upload_chooser_and_sets_the_csrf_cookie(client, owner):
    client.force_login(owner)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert 'type="file"' in html
    assert "js/pages/browser.js" in html
    assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_an_empty_home_says_so(client, owner):
    client.force_login(owner)

    response = client.get(reverse("home"))

    assert "Nothing here yet" in response.content.decode()
