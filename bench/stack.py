"""The stack the benchmarks run against, started as separate processes on 127.0.0.1:
moto's S3 HTTP server and Kosha under gunicorn (the S3 backend, bench/settings.py),
plus the readings they take of it (the app's CPU from /proc)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import requests
from botocore.config import Config
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUCKET = "kosha-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # Any answer will do; the first may take long on a loaded machine (the schema
            # view builds the whole OpenAPI document): a short timeout would ask it again
            # and again, and never see one.
            requests.get(url, timeout=max(1.0, deadline - time.monotonic()))
            return
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: try again
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of a process tree (gunicorn master + worker), in seconds.

    Two sources, and the larger is right: /proc/<pid>/stat counts every thread the
    process ever had, exited ones included (the proxy's boto3 transfer threads), but in
    10 ms ticks; /proc/<pid>/task/<tid>/schedstat counts nanoseconds, but only for live
    threads (gunicorn's request threads live as long as the worker, so the protocol's
    few-millisecond requests are measured exactly)."""
    ticks = os.sysconf("SC_CLK_TCK")
    from_stat = 0.0
    from_schedstat = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            from_stat += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                from_schedstat += int((task / "schedstat").read_text().split()[0]) / 1e9
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended meanwhile
            continue
    return from_stat, from_schedstat


def cpu_delta(before, after) -> float:
    """CPU spent between two cpu_seconds() readings: the larger of the two measures."""
    return max(after[0] - before[0], after[1] - before[1])


def pool_session(*, connections: int, resend: bool = False) -> requests.Session:
    """A session of `connections` kept-alive connections per host. resend=True sends a
    request again once when its kept-alive connection was closed under it with no answer
    (gunicorn closes one idle for 2 s, and may do so just as the next round reuses it);
    only for requests that may be sent twice (a bench's POST of a key it puts again, or
    a start whose session nobody completes)."""
    retries = Retry(total=1, connect=1, read=1, status=0, allowed_methods=None) if resend else 0
    http = requests.Session()
    http.mount(
        "http://", requests.adapters.HTTPAdapter(pool_maxsize=connections, pool_connections=4, max_retries=retries)
    )
    return http


def app_env(*, workdir: Path, moto_url: str) -> dict[str, str]:
    """The environment of the app's processes: this one's, with the S3 backend on moto's
    BUCKET and bench/settings.py; the caller adds DATABASE_URL (and the cache). Makes
    workdir/static/ (STATIC_ROOT), as scripts/run-embedded does (whitenoise warns without it)."""
    (workdir / "static").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "KOSHA_EMBEDDED": "true",  # as `make run` (scripts/run-embedded) sets it
        "SECRET_KEY": "bench-secret",
        "KOSHA_VAR_DIR": str(workdir),
        "KOSHA_STORAGE": "s3",
        "KOSHA_S3_ENDPOINT_URL": moto_url,
        "KOSHA_S3_BUCKET": BUCKET,
        "KOSHA_S3_ACCESS_KEY_ID": "bench",
        "KOSHA_S3_SECRET_ACCESS_KEY": "bench",
        "KOSHA_S3_ADDRESSING_STYLE": "path",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "LOG_LEVEL": "WARNING",
    }


def s3_client(store_url: str, *, access_key: str = "bench", secret_key: str = "bench", **config):  # noqa: S107
    """A boto3 client of the store at store_url (moto's server takes any key and secret);
    `config` adds to botocore's Config."""
    return boto3.client(
        "s3",
        endpoint_url=store_url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16, **config),
    )


def moto_start(port: int) -> subprocess.Popen:
    """moto's S3 server on `port`, answering once this returns."""
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}")
    return process


def manage(*args: str, env: dict[str, str]) -> str:
    """Run manage.py with `args` in the app's environment; its standard output."""
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout


# Run by `manage.py shell` in the app's environment: one user a line of emails.
_USERS_CREATE = """
from accounts.models import ApiToken, User
from accounts.tokens import token_generate
from plans.models import Plan
from plans.services import usage_set_plan
for email in {emails!r}:
    user = User.objects.create_user(email=email, password="bench-password-123")
    usage_set_plan(user=user, plan=Plan.objects.get(code="max"))
    key, prefix, secret_hash = token_generate()
    ApiToken.objects.create(user=user, name="bench", prefix=prefix, secret_hash=secret_hash)
    print("token", key)
"""


def users_create(*, emails: list[str], env: dict[str, str]) -> list[str]:
    """Create a user of each email on the max plan, each with one API token, in the app's
    database (`manage.py shell` in `env`, after migrate); their tokens, in order."""
    out = manage("shell", "-c", _USERS_CREATE.format(emails=list(emails)), env=env)
    return [line.split()[1] for line in out.splitlines() if line.startswith("token ")]


def gunicorn_start(*, port: int, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    """Kosha under gunicorn on `port`, with `workers` processes of `threads` threads.
    The caller waits for the URL it needs first."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "kosha.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )


def processes_stop(processes: list[subprocess.Popen]) -> None:
    """Stop the processes, the last started first; kill any that does not end in 10 s."""
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def proxy_post(http: requests.Session, *, app_url: str, route: str, name: str, data: bytes, timeout: float) -> None:
    """POST `data` as object `name` to one of the bench-only proxy views (bench/proxy.py
    `route`: "proxy-small", "proxy-recorded"), the baseline of the app reading the
    bytes and putting them to the store itself. Raises on an error answer."""
    answer = http.post(
        f"{app_url}/bench/{route}/{name}",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=timeout,
    )
    answer.raise_for_status()
