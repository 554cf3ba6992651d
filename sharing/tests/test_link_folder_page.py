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
