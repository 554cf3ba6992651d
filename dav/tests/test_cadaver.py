"""cadaver, scripted, judges /dav/: mkcol, put, get, move, delete (it follows no redirects,
so GET streams through Kosha)."""

import os
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

CADAVER = shutil.which("cadaver")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CADAVER is None and os.environ.get("CI") != "true", reason="cadaver is not installed"),
]


def test_a_scripted_cadaver_session_puts_gets_moves_and_deletes(owner_dav, tmp_path):
    assert CADAVER is not None, "CI installs cadaver (.ci/run)"
    host = urlsplit(owner_dav.base).hostname
    (tmp_path / ".netrc").write_text(f"machine {host}\nlogin {owner_dav.email}\npassword {owner_dav.key}\n")
    (tmp_path / ".netrc").chmod(0o600)
    (tmp_path / "report.txt").write_bytes(b"quarterly numbers\n")
    script = "\n".join(
        [
            "mkcol reports",
            "put report.txt reports/report.txt",
            "get reports/report.txt fetched.txt",
            "move reports/report.txt reports/final.txt",
            "put report.txt doomed.txt",
            "delete doomed.txt",
            "ls reports",
            "quit",
        ]
    )

    result = subprocess.run(
        [CADAVER, owner_dav.url("")],
        input=script + "\n",
        env={**os.environ, "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    print(result.stdout, result.stderr)
    assert (tmp_path / "fetched.txt").read_bytes() == b"quarterly numbers\n"
    assert "final.txt" in result.stdout
    assert owner_dav.request("GET", "reports/final.txt").content == b"quarterly numbers\n"
    assert owner_dav.request("GET", "reports/report.txt").status_code == 404
    assert owner_dav.request("GET", "doomed.txt").status_code == 404
