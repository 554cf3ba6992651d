"""Per-request cost benchmark (issue 12): the API's reads and the single-file protocol
against floors measured in the same run, and one user's parallel uploads against eight
users'.

Starts moto's S3 server and Kosha under gunicorn exactly as `make run` starts it (2
workers x 4 threads), on PostgreSQL with the Redis cache (production's throttle classes
counting there; bench/settings.py) or, with BENCH_DB=sqlite, on the embedded default
(SQLite, the file cache). Then, in rounds whose order alternates so machine noise hits
every variant alike, it measures the app's CPU (gunicorn master and workers, from /proc)
per request or per file:

  reads    - `floor` (a plain Django view returning {}), `drf` (a DRF view returning {}
             behind token authentication and the throttles), GET /api/v1/usage/, and
             a 50-item listing (GET /api/v1/folders/<id>/items/ of a folder of 50
             files); each as a ratio to the floor of the same round;
  upload   - CPU per 64 KiB file through the single-file protocol (start, PUT to the
             store, complete: the app sees two requests) vs two proxies through Django
             (bench/floor.py): `proxy_recorded`, which authenticates, checks the quota,
             put_objects the body and records the file and its bytes (issue 12's
             baseline), and the lean `proxy`, a bare put_object of the body; ratios per
             round;
  parallel - files/s of one user uploading with 8 connections vs eight users with one
             connection each (the same number of files), ratio per round.

Every figure is reported as min/median/max over the rounds. Run:
    .venv/bin/python -m bench.request_bench                  # PostgreSQL + Redis
    BENCH_DB=sqlite .venv/bin/python -m bench.request_bench  # the embedded default
PostgreSQL: BENCH_PG_URL names the server (a database BENCH_PG_NAME, default
kosha_bench_requests, is created and dropped); BENCH_REDIS_URL the Redis database. BENCH_ROUNDS, BENCH_READS (requests per
variant and round), BENCH_FILES (files per variant and round) scale it; BENCH_PARTS (comma-separated: reads,
upload_cpu, parallel) runs only some.
"""

import concurrent.futures
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import requests

from bench.stack import (
    BUCKET,
    app_env,
    cpu_delta,
    cpu_seconds,
    free_port,
    gunicorn_start,
    manage,
    moto_start,
    pool_session,
    processes_stop,
    proxy_post,
    s3_client,
    users_create,
    wait_for,
)

DB = os.environ.get("BENCH_DB", "postgres")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "kosha_bench_requests")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
READS = int(os.environ.get("BENCH_READS", "200"))
FILES = int(os.environ.get("BENCH_FILES", "48"))
SMALL_BYTES = 64 * 1024
USERS = 8
CONNECTIONS = 8
LISTING_ITEMS = 50
PARTS = os.environ.get("BENCH_PARTS", "reads,upload_cpu,parallel").split(",")

# The listing's folder of bench0's LISTING_ITEMS files, run by `manage.py shell`.
LISTING = f"""
import uuid
from accounts.models import User
from storage.models import File, FileVersion, Folder
owner = User.objects.get(email="bench0@example.com")
folder = Folder.objects.create(owner=owner, name="listing")
for number in range({LISTING_ITEMS}):
    version_id = uuid.uuid4()
    file = File.objects.create(
        owner=owner, folder=folder, name=f"photo {{number:03}}.jpg", size_bytes=1000 + number,
        content_type="image/jpeg",
    )
    version = FileVersion.objects.create(
        file=file, number=1, key=f"users/{{owner.pk}}/blobs/{{version_id}}", size_bytes=1000 + number,
        content_type="image/jpeg",
    )
    File.objects.filter(pk=file.pk).update(current_version=version)
print("folder", folder.pk)
"""


def spread(values: list[float], digits: int = 2) -> dict:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


class Server:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.moto_port, self.app_port = free_port(), free_port()
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self.app_url = f"http://127.0.0.1:{self.app_port}"
        self.bucket = BUCKET
        self.env = app_env(workdir=workdir, moto_url=self.moto_url)
        if DB == "postgres":
            self.env["DATABASE_URL"] = f"{PG_URL}/{PG_NAME}"
            self.env["REDIS_URL"] = REDIS_URL
            self.env["KOSHA_CACHE"] = "redis"
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
            self.env.pop("REDIS_URL", None)
            self.env["KOSHA_CACHE"] = "file"
        self.processes: list[subprocess.Popen] = []
        self.s3 = s3_client(self.moto_url)

    def _pg(self, sql: str) -> None:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def start(self) -> None:
        self.processes.append(moto_start(self.moto_port))
        self.s3.create_bucket(Bucket=self.bucket)
        if DB == "postgres":
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            self._pg(f"CREATE DATABASE {PG_NAME}")
        manage("migrate", "--noinput", "-v", "0", env=self.env)
        self.tokens = users_create(emails=[f"bench{number}@example.com" for number in range(USERS)], env=self.env)
        out = manage("shell", "-c", LISTING, env=self.env)  # shell prints a line of its own first
        self.listing_folder = next(line.split()[1] for line in out.splitlines() if line.startswith("folder "))
        # As scripts/run-embedded starts it (`make run`).
        self.app = gunicorn_start(port=self.app_port, workers=2, threads=4, env=self.env)
        self.processes.append(self.app)
        wait_for(f"{self.app_url}/bench/floor/")
        schema = requests.get(f"{self.app_url}/api/schema/", timeout=120)
        self.schema_status = schema.status_code

    def stop(self) -> None:
        processes_stop(self.processes)
        if DB == "postgres":
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")

    def session(self, user: int = 0) -> requests.Session:
        """User `user`'s API session. A request whose kept-alive connection gunicorn closed
        under it is sent again (the parallel variants idle while the other one runs)."""
        http = pool_session(connections=CONNECTIONS, resend=True)
        http.headers["Authorization"] = f"Token {self.tokens[user]}"
        return http

    def cpu(self):
        return cpu_seconds(self.app.pid)


# --- the variants -------------------------------------------------------------------------


def _reads(server: Server, http: requests.Session, path: str) -> float:
    """CPU seconds per request over READS sequential GETs of path (a warm-up first)."""
    url = f"{server.app_url}{path}"
    http.get(url, timeout=60).raise_for_status()
    before = server.cpu()
    for _ in range(READS):
        response = http.get(url, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
    return cpu_delta(before, server.cpu()) / READS


def reads(server: Server) -> dict:
    http = server.session(0)
    paths = {
        "floor": "/bench/floor/",
        "drf": "/bench/drf/",
        "usage": "/api/v1/usage/",
        "listing_50": f"/api/v1/folders/{server.listing_folder}/items/?limit=100",
    }
    listed = http.get(f"{server.app_url}{paths['listing_50']}", timeout=60).json()
    assert len(listed["items"]) == LISTING_ITEMS, listed
    names = list(paths)
    cpu_ms: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names if name != "floor"}
    for round_number in range(ROUNDS):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        if round_number % 2:
            order.reverse()
        this_round = {name: _reads(server, http, paths[name]) for name in order}
        for name in names:
            cpu_ms[name].append(1000 * this_round[name])
            if name != "floor":
                ratios[name].append(this_round[name] / this_round["floor"])
    return {
        "requests_per_variant_and_round": READS,
        "cpu_ms_per_request": {name: spread(values, 3) for name, values in cpu_ms.items()},
        "ratio_to_floor": {name: spread(values) for name, values in ratios.items()},
    }


def _protocol_upload(server: Server, api: requests.Session, store: requests.Session, name: str, data: bytes) -> None:
    started = api.post(f"{server.app_url}/api/v1/uploads/", json={"name": name, "size": len(data)}, timeout=60)
    if started.status_code != 201:
        raise RuntimeError(f"start: {started.status_code} {started.text[:200]}")
    body = started.json()
    store.put(body["url"], data=data, headers=body["headers"], timeout=60).raise_for_status()
    done = api.post(f"{server.app_url}/api/v1/uploads/{body['id']}/complete/", json={}, timeout=60)
    if done.status_code != 200:
        raise RuntimeError(f"complete: {done.status_code} {done.text[:200]}")


def _proxy_upload(server: Server, api: requests.Session, name: str, data: bytes, *, recorded: bool) -> None:
    route = "proxy-recorded" if recorded else "proxy-small"
    proxy_post(api, app_url=server.app_url, route=route, name=name, data=data, timeout=60)


UPLOAD_VARIANTS = ["protocol", "proxy_recorded", "proxy"]


def upload_cpu(server: Server) -> dict:
    api, store = server.session(1), requests.Session()
    blobs = [os.urandom(SMALL_BYTES) for _ in range(FILES)]
    _protocol_upload(server, api, store, "warm.bin", blobs[0])
    _proxy_upload(server, api, "warm.bin", blobs[0], recorded=False)
    _proxy_upload(server, api, "warm-recorded.bin", blobs[0], recorded=True)
    cpu_ms: dict[str, list[float]] = {name: [] for name in UPLOAD_VARIANTS}
    ratios: dict[str, list[float]] = {"protocol_over_proxy_recorded": [], "protocol_over_proxy": []}
    for round_number in range(ROUNDS):
        this_round = {}
        shift = round_number % len(UPLOAD_VARIANTS)
        order = UPLOAD_VARIANTS[shift:] + UPLOAD_VARIANTS[:shift]
        if round_number % 2:
            order.reverse()
        for variant in order:
            before = server.cpu()
            for index, blob in enumerate(blobs):
                name = f"r{round_number}-{variant}-{index}.bin"
                if variant == "protocol":
                    _protocol_upload(server, api, store, name, blob)
                else:
                    _proxy_upload(server, api, name, blob, recorded=variant == "proxy_recorded")
            this_round[variant] = cpu_delta(before, server.cpu()) / FILES
        for variant, value in this_round.items():
            cpu_ms[variant].append(1000 * value)
        ratios["protocol_over_proxy_recorded"].append(this_round["protocol"] / this_round["proxy_recorded"])
        ratios["protocol_over_proxy"].append(this_round["protocol"] / this_round["proxy"])
    return {
        "files_per_variant_and_round": FILES,
        "file_bytes": SMALL_BYTES,
        "cpu_ms_per_file": {name: spread(values, 2) for name, values in cpu_ms.items()},
        "ratios": {name: spread(values) for name, values in ratios.items()},
    }


def _parallel(server: Server, sessions: list[requests.Session], tag: str, blobs: list[bytes]) -> float:
    """Files/s uploading blobs through the protocol on CONNECTIONS threads; thread i uses
    sessions[i % len(sessions)] (one user's 8 connections, or eight users)."""
    stores = [requests.Session() for _ in range(CONNECTIONS)]

    def worker(thread: int) -> None:
        api = sessions[thread % len(sessions)]
        for index in range(thread, len(blobs), CONNECTIONS):
            _protocol_upload(server, api, stores[thread], f"{tag}-{index}.bin", blobs[index])

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(worker, range(CONNECTIONS)))
    return len(blobs) / (time.perf_counter() - started)


def parallel(server: Server) -> dict:
    one_user = [server.session(0) for _ in range(CONNECTIONS)]
    eight_users = [server.session(user) for user in range(USERS)]
    files = FILES * 2
    blobs = [os.urandom(SMALL_BYTES) for _ in range(files)]
    _parallel(server, one_user, "warm1", blobs[:CONNECTIONS])
    _parallel(server, eight_users, "warm8", blobs[:CONNECTIONS])
    rates: dict[str, list[float]] = {"one_user": [], "eight_users": []}
    ratios = []
    for round_number in range(ROUNDS):
        order = ["one_user", "eight_users"] if round_number % 2 == 0 else ["eight_users", "one_user"]
        this_round = {}
        for variant in order:
            sessions = one_user if variant == "one_user" else eight_users
            this_round[variant] = _parallel(server, sessions, f"{variant}-{round_number}", blobs)
            rates[variant].append(this_round[variant])
        ratios.append(this_round["one_user"] / this_round["eight_users"])
    return {
        "files_per_variant_and_round": files,
        "connections": CONNECTIONS,
        "files_per_second": {name: spread(values, 1) for name, values in rates.items()},
        "ratio_one_user_over_eight_users": spread(ratios),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kosha-bench-requests-") as tmp:
        server = Server(Path(tmp))
        try:
            server.start()
            result = {
                "database": DB,
                "cache": server.env["KOSHA_CACHE"],
                "gunicorn": "2 workers x 4 threads (make run)",
                "rounds": ROUNDS,
                "schema_status": server.schema_status,
            }
            for part, measure in (("reads", reads), ("upload_cpu", upload_cpu), ("parallel", parallel)):
                if part in PARTS:
                    result[part] = measure(server)
        finally:
            server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
