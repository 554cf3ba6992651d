"""A public folder link's page: one heading (no trail repeating it at the top), a trail
below it, and a type icon on each row."""

import pytest

from kosha.testing.factories import folder, link, stored_file

pytestmark = pytest.mark.django_db


def test_the_top_of_a_folder_link_has_one_heading_and_icons(client, local_settings, owner):
    photos = folder(owner, "Photos")
    inner = folder(owner, "Summer", photos)
    stored_file(owner, "report.pdf", b"%PDF-1.4\n", folder=photos, content_type="application/pdf")
    _, token = link(owner, photos)

    top = client.get(f"/s/{token}").content.decode()
    below = client.get(f"/s/{token}/f/{inner.pk}").content.decode()

    assert top.count(">Photos<") == 1
    assert 'aria-label="Breadcrumbs"' not in top
    assert "#ft-folder" in top and "#ft-pdf" in top
    assert 'aria-label="Breadcrumbs"' in below
    assert '<span aria-current="page">Summer</span>' in below


@pytest.mark.parametrize("where", ["top", "below"])
def test_a_folder_links_page_given_a_bad_cursor_starts_again_at_its_first_page(client, local_settings, owner, where):
    photos = folder(owner, "Photos")
    inner = folder(owner, "Summer", photos)
    _, token = link(owner, photos)
    path = f"/s/{token}" if where == "top" else f"/s/{token}/f/{inner.pk}"

    response = client.get(path, {"sort": "-modified", "cursor": "garbage"})
    first = client.get(response["Location"])

    assert (response.status_code, response["Location"]) == (302, f"{path}?sort=-modified")
    assert first.status_code == 200
