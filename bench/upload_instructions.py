"""Instructions per request of the single-file upload protocol and its baselines (issue 12),
counted by callgrind with the WSGI application called directly: a figure that does not
move with the machine's load, unlike seconds of CPU under gunicorn (bench/request_bench.py,
whose ratios are the target's; this steers the work between its runs).

The stack is bench/request_bench.py's, in-process: bench/settings.py (the bench's proxy
views beside Kosha's routes), PostgreSQL with the Redis cache and production's throttle
classes, the S3 backend on moto's server in a process of its own (the store's CPU is not
counted), a token-authenticated user on the "max" plan. Each request is one call of
kosha.wsgi.application with the environ gunicorn would build; the answers are checked.

Measured, N requests each between two callgrind dumps, per round (ROUNDS):
  floor           GET /bench/floor/ (a plain Django view, no authentication)
  drf             GET /bench/drf/ (DRF {} behind the token and the throttles)
  start           POST /api/v1/uploads/ {"name", "size"}: a 64 KiB file at the root
  complete        POST /api/v1/uploads/<id>/complete/ {} of those N starts, after their
                  PUTs to the store (not counted)
  proxy_recorded  POST /bench/proxy-recorded/<name>, 64 KiB (bench/floor.py: the baseline
                  of the 0.6x target)
  proxy_small     POST /bench/proxy-small/<name>, 64 KiB (a bare put_object)
  batch_start     POST /api/v1/uploads/batch/ of BENCH_BATCH (100) 64 KiB files with their
                  SHA-256, as bench/browser_batches.py sends them (N/10 batches a round)
  batch_complete  POST /api/v1/uploads/batch/complete/ of such a batch, after its PUTs
                  (not counted)
and the figure the target reads: (start + complete) / proxy_recorded; the batch phases
are reported per file as well (millions_of_instructions_per_file).

The dumps are taken by callgrind's client requests (valgrind/callgrind.h), from a ten-line
C shim compiled with the system's C compiler into the run's temporary directory and
called through ctypes: instrumentation is off until the first measured request
(--instr-atstart=no), so Django's start-up runs at valgrind's base speed and nothing of it
is counted. Needs valgrind (with its headers) and a C compiler.

Run (PostgreSQL at BENCH_PG_URL, a database BENCH_PG_NAME created and dropped; Redis at
BENCH_REDIS_URL):
    BENCH_PG_NAME=kosha_bench_instr BENCH_REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python -m bench.upload_instructions
BENCH_N (requests per phase, 20), BENCH_ROUNDS (3), BENCH_PHASES (comma-separated, all but
the batch phases by default) scale it. BENCH_STORE=seaweedfs runs the store as the batch
bench does (storage/tests/stores.py: a listing vouches for a batch's signed objects, where
moto's needs a GET of each). BENCH_PROFILE=1 runs the same requests without valgrind under cProfile
and prints, per phase, the functions by cumulative time (where, not how much).
BENCH_KEEP=<dir> keeps the callgrind dumps there for callgrind_annotate
(`callgrind_annotate --inclusive=yes <dump>`).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from io import BytesIO
from pathlib import Path

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "kosha_bench_instructions")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
N = int(os.environ.get("BENCH_N", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PHASES = os.environ.get("BENCH_PHASES", "floor,drf,start,complete,proxy_recorded,proxy_small").split(",")
STORE = os.environ.get("BENCH_STORE", "moto")  # or "seaweedfs"
BATCH = int(os.environ.get("BENCH_BATCH", "100"))  # files per batch of the batch phases
BATCH_PHASES = ("batch_start", "batch_complete")
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
# "phase=module:function,...": instructions inside that function only, in that phase's requests.
SECTIONS = [section for section in os.environ.get("BENCH_SECTIONS", "").split(",") if section]
SMALL_BYTES = 64 * 1024
WARM_UP = 3


SHIM = r"""
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void cg_zero(void) { CALLGRIND_ZERO_STATS; }
void cg_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
void cg_toggle(void) { CALLGRIND_TOGGLE_COLLECT; }
"""


# --- the process under valgrind ---------------------------------------------------------


class App:
    """kosha.wsgi.application called directly, as gunicorn calls it."""

    def __init__(self, token: str):
        import django

        django.setup()
        from kosha.wsgi import application

        self.application = application
        self.token = token

    def call(self, method: str, path: str, body: bytes = b"", content_type: str = "", auth: bool = True):
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        if auth:
            environ["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])

        chunks = self.application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return answer["status"], content

    def json(self, method: str, path: str, body: dict | None, expect: int):
        status, content = self.call(method, path, json.dumps(body).encode(), "application/json")
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {content[:300]!r}")
        return json.loads(content)


class Phases:
    """The requests of each phase, with what they need prepared outside the count."""

    def __init__(self, app: App):
        import requests

        self.app = app
        self.store = requests.Session()
        self.data = os.urandom(SMALL_BYTES)
        self.serial = 0
        self.started: list[str] = []
        self.batches: list[list[str]] = []
        self.sha256 = hashlib.sha256(self.data).hexdigest()

    def _batch_files(self) -> list[dict]:
        return [
            {
                "name": self._name("b"),
                "size": SMALL_BYTES,
                "content_type": "application/octet-stream",
                "on_conflict": "fail",
                "sha256": self.sha256,
            }
            for _ in range(BATCH)
        ]

    def _batch_start(self) -> list[dict]:
        entries = self.app.json("POST", "/api/v1/uploads/batch/", {"folder": None, "files": self._batch_files()}, 200)
        uploads = [entry["upload"] for entry in entries["files"]]
        assert len(uploads) == BATCH and all(entry["status"] == 201 for entry in entries["files"]), entries
        return uploads

    def _name(self, tag: str) -> str:
        self.serial += 1
        return f"{tag}-{self.serial}.bin"

    def prepare(self, phase: str, count: int) -> None:
        if phase == "complete":
            self.started = []
            for _ in range(count):
                body = self.app.json("POST", "/api/v1/uploads/", {"name": self._name("c"), "size": SMALL_BYTES}, 201)
                self.store.put(body["url"], data=self.data, headers=body["headers"], timeout=60).raise_for_status()
                self.started.append(body["id"])
        elif phase == "batch_complete":
            self.batches = []
            for _ in range(_requests(phase, count)):
                uploads = self._batch_start()
                for upload in uploads:
                    self.store.put(
                        upload["url"], data=self.data, headers=upload["headers"], timeout=60
                    ).raise_for_status()
                self.batches.append([upload["id"] for upload in uploads])

    def run(self, phase: str, count: int) -> None:
        app = self.app
        for index in range(_requests(phase, count)):
            if phase == "batch_start":
                self._batch_start()
            elif phase == "batch_complete":
                body = app.json("POST", "/api/v1/uploads/batch/complete/", {"uploads": self.batches[index]}, 200)
                assert all(entry["status"] == 200 for entry in body["uploads"]), body
            elif phase == "floor":
                status, _ = app.call("GET", "/bench/floor/", auth=False)
                assert status == 200, status
            elif phase == "drf":
                status, _ = app.call("GET", "/bench/drf/")
                assert status == 200, status
            elif phase == "start":
                app.json("POST", "/api/v1/uploads/", {"name": self._name("s"), "size": SMALL_BYTES}, 201)
            elif phase == "complete":
                app.json("POST", f"/api/v1/uploads/{self.started[index]}/complete/", {}, 200)
            elif phase in ("proxy_recorded", "proxy_small"):
                route = phase.replace("_", "-")
                status, content = app.call(
                    "POST", f"/bench/{route}/{self._name(phase)}", self.data, "application/octet-stream"
                )
                assert status in (200, 201), (status, content[:300])
            else:
                raise ValueError(phase)


def _requests(phase: str, count: int) -> int:
    """Requests of a phase of `count`: a tenth of it (at least one) for a batch phase."""
    return max(1, count // 10) if phase in BATCH_PHASES else count


def inner() -> None:
    app = App(os.environ["BENCH_TOKEN"])
    phases = Phases(app)
    for phase in PHASES:  # warm: imports, caches, connections, the statements' first use
        phases.prepare(phase, WARM_UP)
        phases.run(phase, WARM_UP)
    if PROFILE:
        _profiled(phases)
        return
    shim = ctypes.CDLL(os.environ["BENCH_SHIM"])
    shim.cg_dump.argtypes = [ctypes.c_char_p]
    for round_number in range(ROUNDS):
        for phase in PHASES:
            phases.prepare(phase, N)
            shim.cg_start()
            shim.cg_zero()
            shim.cg_toggle()  # collecting (callgrind starts with --collect-atstart=no)
            phases.run(phase, N)
            shim.cg_toggle()
            shim.cg_dump(f"{phase}:{round_number}".encode())
            shim.cg_stop()
        for section in SECTIONS:
            phase, _, target = section.partition("=")
            phases.prepare(phase, N)
            with _collected_inside(target, shim):
                shim.cg_start()
                shim.cg_zero()
                phases.run(phase, N)
                shim.cg_dump(f"{phase}={target}:{round_number}".encode())
                shim.cg_stop()


@contextlib.contextmanager
def _collected_inside(target: str, shim):
    """Count instructions only inside the function `target` ("module:name" or
    "module:Class.name"), inclusive of what it calls: every module's reference to it is
    replaced by a wrapper that turns callgrind's collection on and off around it."""
    module_name, _, qualname = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    depth = [0]

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        depth[0] += 1
        if depth[0] == 1:
            shim.cg_toggle()
        try:
            return original(*args, **kwargs)
        finally:
            if depth[0] == 1:
                shim.cg_toggle()
            depth[0] -= 1

    replaced = [(owner, name)]
    setattr(owner, name, wrapper)
    if not path:
        for module in list(sys.modules.values()):
            if module is not None and module is not owner and getattr(module, name, None) is original:
                setattr(module, name, wrapper)
                replaced.append((module, name))
    try:
        yield
    finally:
        for holder, attribute in replaced:
            setattr(holder, attribute, original)


def _profiled(phases: Phases) -> None:
    import cProfile
    import pstats
    import time

    for phase in PHASES:
        phases.prepare(phase, N)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        phases.run(phase, N)
        profile.disable()
        print(f"\n===== {phase}: {N} requests =====")
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "60")))
        stats.sort_stats("tottime").print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "60")) // 2)


# --- the driver -------------------------------------------------------------------------


def _dump_totals(directory: Path) -> dict[str, int]:
    """{label: instructions} of each callgrind dump the run wrote, in the order written."""
    totals = {}
    dumps = sorted(directory.glob("callgrind.out.*"), key=lambda path: int(path.name.rsplit(".", 1)[1]))
    for dump in dumps:
        text = dump.read_text(errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (.+)$", text, re.M)
        total = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if label and total:
            totals[label.group(1)] = int(total.group(1))
    return totals


def _report(totals: dict[str, int]) -> dict:
    per_request: dict[str, list[float]] = {}
    for label, instructions in totals.items():
        phase = label.rsplit(":", 1)[0]
        per_request.setdefault(phase, []).append(instructions / N / 1e6)
    for phase, values in per_request.items():  # a batch phase (or its section) ran N // 10 requests, not N
        scale = N / _requests(phase.partition("=")[0], N)
        per_request[phase] = [value * scale for value in values]
    result: dict = {
        "requests_per_phase": N,
        "millions_of_instructions_per_request": {
            phase: {"rounds": [round(value, 3) for value in values], "median": round(statistics.median(values), 3)}
            for phase, values in per_request.items()
        },
    }
    per_file = {
        phase: [value / BATCH for value in per_request[phase]] for phase in BATCH_PHASES if phase in per_request
    }
    if per_file:
        result["files_per_batch"] = BATCH
        result["millions_of_instructions_per_file"] = {
            phase: {"rounds": [round(value, 3) for value in values], "median": round(statistics.median(values), 3)}
            for phase, values in per_file.items()
        }
    if all(phase in per_request for phase in ("start", "complete", "proxy_recorded")):
        ratios = [
            (start + complete) / proxy
            for start, complete, proxy in zip(
                per_request["start"], per_request["complete"], per_request["proxy_recorded"], strict=True
            )
        ]
        result["protocol_over_proxy_recorded"] = {
            "rounds": [round(ratio, 3) for ratio in ratios],
            "median": round(statistics.median(ratios), 3),
        }
    return result


def main() -> None:
    import psycopg

    from bench.stack import (
        BUCKET,
        ROOT,
        app_env,
        free_port,
        manage,
        moto_start,
        processes_stop,
        s3_client,
        users_create,
    )

    def pg(sql: str) -> None:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    with tempfile.TemporaryDirectory(prefix="kosha-bench-instructions-") as tmp:
        workdir = Path(tmp)
        moto_port = free_port()
        moto_url = f"http://127.0.0.1:{moto_port}"
        env = app_env(workdir=workdir, moto_url=moto_url)
        env.update(DATABASE_URL=f"{PG_URL}/{PG_NAME}", REDIS_URL=REDIS_URL, KOSHA_CACHE="redis")
        seaweed = None
        if STORE == "seaweedfs":
            from storage.tests.stores import ACCESS_KEY, SECRET_KEY, SeaweedFS

            seaweed = SeaweedFS(workdir / "seaweedfs", volume_size_limit_mb=1024)
            seaweed.root.mkdir()
            seaweed.start()
            store_url, keys = seaweed.endpoint, {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}
            env.update(
                KOSHA_S3_ENDPOINT_URL=store_url,
                KOSHA_S3_ACCESS_KEY_ID=ACCESS_KEY,
                KOSHA_S3_SECRET_ACCESS_KEY=SECRET_KEY,
            )
            processes = []
        elif STORE == "moto":
            store_url, keys = moto_url, {}
            processes = [moto_start(moto_port)]
        else:
            raise SystemExit(f"BENCH_STORE={STORE}: moto or seaweedfs")
        try:
            s3_client(store_url, **keys).create_bucket(Bucket=BUCKET)
            pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            pg(f"CREATE DATABASE {PG_NAME}")
            manage("migrate", "--noinput", "-v", "0", env=env)
            (env["BENCH_TOKEN"],) = users_create(emails=["bench@example.com"], env=env)
            command = [sys.executable, "-m", "bench.upload_instructions", "--inner"]
            if PROFILE:
                subprocess.run(command, env=env, cwd=ROOT, check=True)
                return
            (workdir / "shim.c").write_text(SHIM)
            shim = workdir / "shim.so"
            subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(shim), str(workdir / "shim.c")], check=True)
            env["BENCH_SHIM"] = str(shim)
            dumps = workdir / "dumps"
            dumps.mkdir()
            valgrind = [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                "--collect-atstart=no",
                f"--callgrind-out-file={dumps}/callgrind.out.%p",
                f"--log-file={workdir}/valgrind.log",
            ]
            subprocess.run([*valgrind, *command], env=env, cwd=ROOT, check=True)
            totals = _dump_totals(dumps)
            keep = os.environ.get("BENCH_KEEP")
            if keep:
                shutil.copytree(dumps, keep, dirs_exist_ok=True)
            print(json.dumps(_report(totals), indent=2))
        finally:
            processes_stop(processes)
            if seaweed is not None:
                seaweed.stop()
            pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--inner"]:
        inner()
    else:
        main()
