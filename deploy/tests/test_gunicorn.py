"""gunicorn.conf.py: gunicorn started where Kosha's run scripts and image start it (the
directory holding the file) reads it, so a request line as long as nginx passes reaches
Kosha, which answers an over-long parameter with its JSON error, not gunicorn's HTML 414."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.db import connection

from accounts.services import api_token_create
from kosha.testing.network import free_port, serving_wait
from storage.search import MAX_QUERY_CHARS

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60


def _database_url() -> str:
    """The test database, for a server in another process (PostgreSQL: SQLite's is in memory)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def gunicorn_url(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "KOSHA_VAR_DIR": str(tmp_path), "DEBUG": "true"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "kosha.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=REPO,  # as scripts/run-embedded and the image's WORKDIR
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        serving_wait(
            f"{url}/healthz",
            process=server,
            timeout_seconds=START_SECONDS,
            output=lambda: server.stderr.read().decode(),
        )
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_search_for_5000_characters_is_kosha_s_json_400_naming_q_not_gunicorns_414(gunicorn_url, owner):
    _, key = api_token_create(user=owner, name="cli")

    response = requests.get(
        f"{gunicorn_url}/api/v1/search/",
        params={"q": "a" * 5000},
        headers={"Authorization": f"Token {key}"},
        timeout=30,
    )

    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"]["field"] == "q"
    assert str(MAX_QUERY_CHARS) in response.json()["error"]["message"]
