"""Start-up as an operator sees it: `manage.py check` in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_up(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess:
    """`manage.py check` in a fresh process with exactly these variables (and the embedded
    defaults, var files under tmp_path): what an operator sees when Kosha starts. Returns
    the finished process (returncode, stdout, stderr as text); raises
    subprocess.TimeoutExpired after 120 s."""
    env = {
        "PATH": os.environ["PATH"],
        "KOSHA_EMBEDDED": "true",
        "KOSHA_VAR_DIR": str(tmp_path),
        "KOSHA_CACHE": "locmem",
        "LOG_FORMAT": "text",
        **environ,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
