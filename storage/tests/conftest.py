import pytest

from storage.tests.protocol import ProtocolClient


@pytest.fixture
def protocol(store, owner_client, live_server):
    """The protocol client against the parametrized store (local and S3 on moto)."""
    return ProtocolClient(api=owner_client, base_url=live_server.url)


@pytest.fixture
def small_multipart(settings):
    """Multipart from 5 MiB up, so tests send a few 8 MiB parts instead of 64 MiB."""
    settings.KOSHA_MULTIPART_THRESHOLD_BYTES = 5 * 1024 * 1024
    return settings
