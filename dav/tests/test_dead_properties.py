"""Dead properties live in the database: every worker serves what one PROPPATCH set, a
collaborator sees the item's properties under `Shared with me/`, and they follow a MOVE."""

import pytest

from dav.models import DavProperty
from dav.tests.conftest import dav_client_for
from kosha.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "{urn:example:kosha}colour"


def proppatch(client, path: str, value: str):
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<D:propertyupdate xmlns:D="DAV:" xmlns:K="urn:example:kosha">'
        f"<D:set><D:prop><K:colour>{value}</K:colour></D:prop></D:set></D:propertyupdate>"
    )
    return client.request("PROPPATCH", path, data=body, headers={"Content-Type": "application/xml"})


def colour(client, path: str) -> str:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<D:propfind xmlns:D="DAV:" xmlns:K="urn:example:kosha"><D:prop><K:colour/></D:prop></D:propfind>'
    )
    return client.request("PROPFIND", path, data=body, headers={"Depth": "0"}).text


def test_a_dead_property_is_stored_in_the_database_and_seen_by_collaborators(
    owner_dav, owner, collaborator, live_server
):
    owner_dav.request("MKCOL", "Team")
    owner_dav.request("PUT", "Team/plan.txt", data=b"the plan")
    factories.share(owner=owner, item=owner.folders.get(name="Team"), grantee=collaborator, role="editor")
    editor = dav_client_for(collaborator, live_server=live_server)

    assert proppatch(owner_dav, "Team/plan.txt", "teal").status_code == 207

    row = DavProperty.objects.get()
    assert (row.path, row.name) == (f"/{owner.pk}/Team/plan.txt", NAME)
    assert b"teal" in bytes(row.value)
    assert "teal" in colour(editor, "Shared with me/Team/plan.txt")
    assert proppatch(editor, "Shared with me/Team/plan.txt", "plum").status_code == 207
    assert "plum" in colour(owner_dav, "Team/plan.txt")


def test_dead_properties_follow_a_move_and_go_with_a_delete(owner_dav):
    owner_dav.request("MKCOL", "A")
    owner_dav.request("PUT", "A/x.txt", data=b"x")
    proppatch(owner_dav, "A/x.txt", "teal")

    moved = owner_dav.request("MOVE", "A", headers={"Destination": owner_dav.url("B")})

    assert moved.status_code == 201
    assert "teal" in colour(owner_dav, "B/x.txt")
    assert list(DavProperty.objects.values_list("path", flat=True)) == [f"/{DavProperty.objects.get().space}/B/x.txt"]
    assert owner_dav.request("DELETE", "B").status_code == 204
    assert not DavProperty.objects.exists()
