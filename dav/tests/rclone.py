"""rclone against /dav/ as a test judge: a remote named `kosha` from the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

RCLONE = shutil.which("rclone")


def rclone_env(dav, *, workdir: Path) -> dict:
    obscured = subprocess.run([RCLONE, "obscure", dav.key], capture_output=True, text=True, check=True).stdout.strip()
    return {
        **os.environ,
        "RCLONE_CONFIG": str(workdir / "rclone.conf"),
        "RCLONE_CONFIG_KOSHA_TYPE": "webdav",
        "RCLONE_CONFIG_KOSHA_URL": dav.url(""),
        "RCLONE_CONFIG_KOSHA_VENDOR": "owncloud",
        "RCLONE_CONFIG_KOSHA_USER": dav.email,
        "RCLONE_CONFIG_KOSHA_PASS": obscured,
        "HOME": str(workdir),
    }


def rclone(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run rclone; raise with its output when it fails and check is set."""
    result = subprocess.run([RCLONE, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"rclone {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its bytes."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
