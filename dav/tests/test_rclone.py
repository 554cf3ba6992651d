"""rclone judges /dav/ as a sync target (vendor owncloud: X-OC-Mtime, SHA-1 checksums):
copy, check (sizes and hashes), sync, move, delete and bisync, on the local store and S3
(moto), bytes compared both ways."""

import os
import time

import pytest

from dav.tests.conftest import dav_client_for
from dav.tests.rclone import RCLONE, rclone, rclone_env, tree

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(RCLONE is None and os.environ.get("CI") != "true", reason="rclone is not installed"),
]


@pytest.fixture(params=["local_settings", "s3_settings"])
def dav(request, transactional_db, seeded_tiers, owner, live_server):
    request.getfixturevalue(request.param)
    return dav_client_for(owner, live_server=live_server)


@pytest.fixture
def env(dav, tmp_path):
    assert RCLONE is not None, "CI installs rclone (.ci/run)"
    return rclone_env(dav, workdir=tmp_path)


def _write(root, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _put_remote(env, tmp_path, path: str, data: bytes) -> None:
    """Another device writes path on the remote."""
    other = tmp_path / "other-device"
    other.mkdir(exist_ok=True)
    (other / "file").write_bytes(data)
    rclone(env, "copyto", str(other / "file"), f"kosha:{path}")


def test_copy_check_sync_move_delete_round_trip(env, tmp_path):
    source, back = tmp_path / "source", tmp_path / "back"
    _write(source, {"a.txt": b"alpha", "docs/b.bin": os.urandom(70_000), "docs/deep/c.txt": b"", "d e.txt": b"sp"})

    rclone(env, "copy", str(source), "kosha:sync")
    rclone(env, "check", str(source), "kosha:sync")  # sizes and SHA-1 (oc:checksums)
    rclone(env, "copy", "kosha:sync", str(back))
    assert tree(back) == tree(source)

    (source / "a.txt").write_bytes(b"ALPHA, longer now")
    (source / "d e.txt").unlink()
    rclone(env, "sync", str(source), "kosha:sync")
    rclone(env, "check", str(source), "kosha:sync")

    rclone(env, "move", "kosha:sync/docs/b.bin", "kosha:moved/")
    listed = rclone(env, "lsf", "-R", "kosha:").stdout.split()
    assert "moved/b.bin" in listed and "sync/docs/b.bin" not in listed

    rclone(env, "delete", "kosha:moved")
    assert "moved/b.bin" not in rclone(env, "lsf", "-R", "kosha:").stdout.split()


def test_bisync_carries_adds_deletes_renames_same_size_edits_and_conflicts(env, tmp_path):
    local = tmp_path / "local"
    _write(local, {"keep.txt": b"keep", "edit.txt": b"aaaa", "gone.txt": b"bye", "old-name.txt": b"rename me"})
    workdir = str(tmp_path / "bisync")
    bisync = ("bisync", str(local), "kosha:two-way", "--workdir", workdir)
    rclone(env, "mkdir", "kosha:two-way")
    rclone(env, *bisync, "--resync")

    # Local side: add, delete, rename, a same-size edit (only the mtime tells).
    (local / "added.txt").write_bytes(b"new here")
    (local / "gone.txt").unlink()
    (local / "old-name.txt").rename(local / "new-name.txt")
    time.sleep(1.1)
    (local / "edit.txt").write_bytes(b"bbbb")
    rclone(env, *bisync)
    remote = set(rclone(env, "lsf", "-R", "kosha:two-way").stdout.split())
    assert remote == {"keep.txt", "edit.txt", "added.txt", "new-name.txt"}
    assert rclone(env, "cat", "kosha:two-way/edit.txt").stdout == "bbbb"

    # Remote side: an add and a delete come back.
    _put_remote(env, tmp_path, "two-way/from-remote.txt", b"remote")
    rclone(env, "deletefile", "kosha:two-way/keep.txt")
    rclone(env, *bisync)
    assert (local / "from-remote.txt").read_bytes() == b"remote"
    assert not (local / "keep.txt").exists()

    # Both sides change one file: a conflict, both kept.
    time.sleep(1.1)
    (local / "added.txt").write_bytes(b"local change")
    _put_remote(env, tmp_path, "two-way/added.txt", b"remote change!")
    rclone(env, *bisync, check=False)
    names = set(os.listdir(local))
    assert any(name.startswith("added.txt..path") for name in names), names
