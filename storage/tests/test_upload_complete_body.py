"""POST /api/v1/uploads/<id>/complete/ for a single PUT takes the body the web app sends,
{"parts": []}, as it takes no parts at all (the uploader in static/js/upload.js)."""

import pytest

from storage.models import File
from storage.tests.protocol import ProtocolClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [{"parts": []}, {"parts": None}, {}])
def test_a_single_put_completes_with_empty_or_absent_parts(local_settings, owner, owner_client, live_server, body):
    client = ProtocolClient(api=owner_client, base_url=live_server.url)
    started = client.start(name="note.txt", size=5, content_type="text/plain").json()
    assert client.put(started["url"], b"hello", started["headers"]).status_code == 200

    response = owner_client.post(f"/api/v1/uploads/{started['id']}/complete/", body, format="json")

    assert response.status_code == 200, response.json()
    assert File.objects.get(owner=owner, name="note.txt").current_version.size_bytes == 5
