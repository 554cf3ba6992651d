"""scripts/run-embedded (`make run`): from nothing, the embedded default serves the site,
its static files included, on a fresh var/ directory, and says nothing alarming."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from kosha.testing.network import free_port, serving_wait

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 120


def _group_stop(process: subprocess.Popen, *, grace_seconds: float = 15) -> None:
    """SIGTERM the process group, as Ctrl-C stops `make run`; whatever still runs after
    grace_seconds (qcluster's processes take a while to finish) is killed."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        process.poll()  # reap the script itself
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def embedded(tmp_path):
    """run-embedded on a free port with a fresh var/ (SQLite, the local store): its URL,
    and a callable that stops it and returns what it wrote to stderr."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(PORT=str(port), KOSHA_VAR_DIR=str(tmp_path / "var"), Q_SYNC="false", KOSHA_CACHE="file")
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as sink:
        # Its own process group: the script, its worker and gunicorn stop together.
        process = subprocess.Popen(
            [str(REPO / "scripts" / "run-embedded")],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def stop() -> str:
        _group_stop(process)
        return stderr.read_text(errors="replace")

    try:
        serving_wait(
            f"{url}/healthz",
            process=process,
            timeout_seconds=START_SECONDS,
            output=lambda: stderr.read_text(errors="replace"),
            poll_seconds=0.5,
        )
        yield url, stop
    finally:
        stop()


def test_make_run_serves_the_site_and_its_static_files_without_warnings(embedded):
    url, stop = embedded

    page = requests.get(f"{url}/accounts/login/", timeout=30)
    script = requests.get(f"{url}/static/js/lib/api.js", timeout=30)
    logged = stop()

    assert page.status_code == 200
    assert script.status_code == 200
    assert "No directory at" not in logged
    assert "Warning" not in logged, logged
