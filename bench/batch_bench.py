"""Batch upload benchmark (issue 12): many small files through the batch protocol.

Starts an S3 store, moto's HTTP server (BENCH_STORE=moto, the default) or SeaweedFS's S3
gateway as the test suite starts it (BENCH_STORE=seaweedfs, storage/tests/stores.py: it
keeps each object's SHA-256, so a complete verifies with a HEAD where moto needs a GET),
and Kosha (gunicorn as upload_bench starts it: 1 worker, 8 threads, the S3 backend) on
PostgreSQL with the Redis cache and production's throttles and rates (BENCH_DB=sqlite:
the embedded default, SQLite and the file cache), and measures, in one run, rounds that
alternate their order:
  - batch: the files uploaded as the browser uploads small files (bench/browser_batches.py,
    a port of static/js/upload-panel.js and upload-batch.js): each hashed, started in
    batches, PUT straight to the store CONCURRENCY at a time, completed a chunk at a time;
  - boto3: put_object of the same files with the same concurrency (the wall-time floor);
  - proxy: each file POSTed to a bench-only Django view that reads the body and
    put_objects it (bench/floor.py proxy_small), same concurrency: the CPU baseline.
Wall time is per round; app CPU is the gunicorn process tree's, per file.
Reports the per-round ratios batch/boto3 (wall) and batch/proxy (app CPU per file) as
min/median/max. (The single-file protocol is bench/request_bench.py's: at production's
1200 requests a minute it could not upload 200 files a round here.)

Run: `make bench-batch` (moto, then SeaweedFS), or `.venv/bin/python -m bench.batch_bench`
(and `BENCH_DB=sqlite ...`, `BENCH_STORE=seaweedfs ...`). BENCH_PG_URL names the
PostgreSQL server (a database BENCH_PG_NAME, kosha_bench_batch unless set, is created and
dropped), BENCH_REDIS_URL the Redis database. Prints a JSON summary.
"""

import base64
import concurrent.futures
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
import requests

from bench.browser_batches import upload_like_the_browser
from bench.stack import cpu_delta, cpu_seconds, pool_session, proxy_post
from bench.upload_bench import Bench
from storage.tests.stores import ACCESS_KEY, SECRET_KEY, SeaweedFS

FILES = int(os.environ.get("BENCH_BATCH_FILES", "200"))
FILE_BYTES = 64 * 1024
CONCURRENCY = int(os.environ.get("BENCH_BATCH_CONCURRENCY", "8"))
ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "5"))
KINDS = ("batch", "boto3", "boto3_checked", "proxy")
DB = os.environ.get("BENCH_DB", "postgres")
STORE = os.environ.get("BENCH_STORE", "moto")  # or "seaweedfs"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "kosha_bench_batch")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
# The browser sends each small file's SHA-256; BENCH_BATCH_SHA256=0 measures a client that sends none.
SHA256 = os.environ.get("BENCH_BATCH_SHA256", "1") == "1"
# BENCH_BATCH_TRACE=1 adds each round's timeline of the batch's requests (and boto3's PUTs).
TRACE = os.environ.get("BENCH_BATCH_TRACE", "0") == "1"


class BatchBench(Bench):
    def __init__(self, workdir: Path):
        super().__init__(workdir)
        self.seaweed: SeaweedFS | None = None
        self.trace: list[tuple[str, float, float, int]] | None = None  # the round's, when BENCH_BATCH_TRACE=1
        if STORE == "seaweedfs":
            # Volumes of 1 GiB: the suite's 64 MiB fill every ~1.7 rounds, and writes stall
            # ~0.7 s while the next volume grows (SeaweedFS's own default is 30 GiB).
            self.seaweed = SeaweedFS(workdir / "seaweedfs", volume_size_limit_mb=1024)
            self.store_url, self.store_keys = self.seaweed.endpoint, (ACCESS_KEY, SECRET_KEY)
            self.env.update(
                KOSHA_S3_ENDPOINT_URL=self.store_url,
                KOSHA_S3_ACCESS_KEY_ID=ACCESS_KEY,
                KOSHA_S3_SECRET_ACCESS_KEY=SECRET_KEY,
            )
            self.s3 = self._client(checksums="when_required")
        elif STORE != "moto":
            raise SystemExit(f"BENCH_STORE={STORE}: moto or seaweedfs")

    @property
    def store_pid(self) -> int:
        """The object store's process: SeaweedFS's, or moto's (the first Bench started)."""
        return self.seaweed.process.pid if self.seaweed is not None else self.processes[0].pid

    def store_start(self) -> None:
        if self.seaweed is None:
            super().store_start()
            return
        self.seaweed.root.mkdir()
        self.seaweed.start()

    def stop(self) -> None:
        super().stop()
        if self.seaweed is not None:
            self.seaweed.stop()

    def configure(self) -> None:
        """Production's cache, throttles and rates (bench/settings.py keeps them with
        BENCH_USER_RATE=production) on PostgreSQL with Redis, or the embedded default."""
        self.env["BENCH_USER_RATE"] = "production"
        if DB == "postgres":
            self.env.update(DATABASE_URL=f"{PG_URL}/{PG_NAME}", REDIS_URL=REDIS_URL, KOSHA_CACHE="redis")
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            self._pg(f"CREATE DATABASE {PG_NAME}")
        else:
            self.env["KOSHA_CACHE"] = "file"  # the SQLite file of upload_bench's Bench

    def drop(self) -> None:
        if DB == "postgres":
            self._pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")

    def db_cpu_seconds(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving the bench's database (from its
        /proc schedstat: the server runs on this machine), by pid; {} on SQLite."""
        if DB != "postgres":
            return {}
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [PG_NAME])]
        seconds = {}
        for pid in pids:
            try:
                seconds[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
            except (FileNotFoundError, ProcessLookupError, PermissionError):  # ended meanwhile, or not ours to read
                continue
        return seconds

    @staticmethod
    def _pg(sql: str) -> None:
        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def run_batch(self, prefix: str, blobs: list[bytes], http: requests.Session) -> int:
        return upload_like_the_browser(
            api=lambda path, body: self.api("POST", path, json=body),
            http=http,
            files=[(f"{prefix}-{index}.bin", blob) for index, blob in enumerate(blobs)],
            connections=CONCURRENCY,
            sha256=SHA256,
            trace=self.trace,
        )

    def run_boto3(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        def put(pair) -> None:
            index, blob = pair
            began = time.perf_counter()
            self.s3.put_object(Bucket=self.bucket, Key=f"raw/{prefix}-{index}.bin", Body=blob)
            if self.trace is not None:
                self.trace.append(("put", began, time.perf_counter(), 1))

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(put, enumerate(blobs)))

    def run_boto3_checked(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        """put_object asking the store for what the browser's presigned PUT asks of it: a
        SHA-256 the store checks (hashed here, as the browser hashes) and a conditional write
        (If-None-Match: *). The like-for-like baseline of the store's work; `boto3` stays the target's."""

        def put(pair) -> None:
            index, blob = pair
            began = time.perf_counter()
            checksum = base64.b64encode(hashlib.sha256(blob).digest()).decode()
            self.s3.put_object(
                Bucket=self.bucket,
                Key=f"raw/{prefix}-{index}.bin",
                Body=blob,
                ContentType="application/octet-stream",
                ChecksumSHA256=checksum,
                IfNoneMatch="*",
            )
            if self.trace is not None:
                self.trace.append(("put", began, time.perf_counter(), 1))

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(put, enumerate(blobs)))

    def run_proxy(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        def post(pair) -> None:
            index, blob = pair
            proxy_post(
                self.proxy_http,
                app_url=self.app_url,
                route="proxy-small",
                name=f"{prefix}-{index}.bin",
                data=blob,
                timeout=120,
            )

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(post, enumerate(blobs)))

    def rounds(self) -> dict:
        blobs = [os.urandom(FILE_BYTES) for _ in range(FILES)]
        http = pool_session(connections=CONCURRENCY)
        self.proxy_http = pool_session(connections=CONCURRENCY, resend=True)
        # One unmeasured pass of each warms the imports, connections and caches.
        for kind in KINDS:
            getattr(self, f"run_{kind}")(f"warm-{kind}", blobs[:CONCURRENCY], http)
        timelines: dict[str, list[dict]] = {kind: [] for kind in ("batch", "boto3", "boto3_checked")}
        wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
        store_cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        client_cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        db_cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        app_requests: list[int] = []
        for number in range(ROUNDS):
            # Rotate the order, so that a slow patch of the machine hits each kind alike.
            order = KINDS[number % len(KINDS) :] + KINDS[: number % len(KINDS)]
            for kind in order:
                self.trace = [] if TRACE else None
                cpu_before, store_before = cpu_seconds(self.app.pid), cpu_seconds(self.store_pid)
                db_before = self.db_cpu_seconds()
                client_before = time.process_time()
                started = time.perf_counter()
                made = getattr(self, f"run_{kind}")(f"r{number}-{kind}", blobs, http)
                wall[kind].append(time.perf_counter() - started)
                client_cpu[kind].append(time.process_time() - client_before)
                db_after = self.db_cpu_seconds()
                db_cpu[kind].append(sum(value - db_before.get(pid, 0.0) for pid, value in db_after.items()))
                store_cpu[kind].append(cpu_delta(store_before, cpu_seconds(self.store_pid)))
                if self.trace is not None and kind in timelines:
                    timelines[kind].append(_timeline(self.trace, started, wall[kind][-1]))
                cpu[kind].append(cpu_delta(cpu_before, cpu_seconds(self.app.pid)) / FILES)
                if kind == "batch":
                    app_requests.append(made)
        machine = {  # CPU seconds a round cost app, store, database and client together
            kind: [
                cpu[kind][n] * FILES + store_cpu[kind][n] + db_cpu[kind][n] + client_cpu[kind][n] for n in range(ROUNDS)
            ]
            for kind in KINDS
        }
        return {
            "files": FILES,
            "file_bytes": FILE_BYTES,
            "concurrency": CONCURRENCY,
            "rounds": ROUNDS,
            "store": STORE,
            "database": self.env["DATABASE_URL"].split(":", 1)[0],
            "cache": self.env["KOSHA_CACHE"],
            "sha256_sent": SHA256,
            "wall_seconds_each_round": {kind: [round(value, 3) for value in values] for kind, values in wall.items()},
            "app_cpu_ms_per_file_each_round": {
                kind: [round(1000 * value, 3) for value in values] for kind, values in cpu.items()
            },
            # The machine's 2 cores carry the store and this client too: their CPU per round.
            "store_cpu_ms_each_round": {
                kind: [round(1000 * value) for value in values] for kind, values in store_cpu.items()
            },
            # PostgreSQL's backends for the app (a backend that ended within the round is missed).
            "db_cpu_ms_each_round": {
                kind: [round(1000 * value) for value in values] for kind, values in db_cpu.items()
            },
            "client_cpu_ms_each_round": {
                kind: [round(1000 * value) for value in values] for kind, values in client_cpu.items()
            },
            "batch_app_requests_each_round": app_requests,
            # Everything the round cost the machine (app + store + database + client): the
            # boto3 round alone keeps both cores busy, so wall time follows this sum.
            "machine_cpu_ratio_batch_over_boto3": _spread(machine["batch"], machine["boto3"]),
            "wall_ratio_batch_over_boto3": _spread(wall["batch"], wall["boto3"]),
            "wall_ratio_batch_over_boto3_checked": _spread(wall["batch"], wall["boto3_checked"]),
            "cpu_ratio_batch_over_proxy": _spread(cpu["batch"], cpu["proxy"]),
            **({"timelines_ms": timelines} if TRACE else {}),
        }


def _timeline(trace: list[tuple[str, float, float, int]], started: float, wall: float) -> dict:
    """A round's requests in milliseconds from its start: every start and complete as
    [began, ended, files], the PUTs' span and mean duration, the hashing's total."""
    ms = lambda seconds: round(1000 * (seconds - started))  # noqa: E731
    puts = [(began, ended) for kind, began, ended, _ in trace if kind == "put"]
    timeline: dict = {"wall": round(1000 * wall)}
    for kind in ("start", "complete"):
        timeline[kind] = sorted([ms(began), ms(ended), files] for what, began, ended, files in trace if what == kind)
    timeline["puts"] = {
        "count": len(puts),
        "first_began": ms(min(began for began, _ in puts)),
        "last_ended": ms(max(ended for _, ended in puts)),
        "mean_ms": round(1000 * statistics.mean(ended - began for began, ended in puts), 1),
    }
    hashing = [ended - began for kind, began, ended, _ in trace if kind == "hash"]
    if hashing:
        timeline["hash_total_ms"] = round(1000 * sum(hashing), 1)
    return timeline


def _spread(values: list[float], baseline: list[float]) -> dict:
    """min/median/max of the per-round ratios values[i] / baseline[i]."""
    ratios = [value / base for value, base in zip(values, baseline, strict=True)]
    return {"min": round(min(ratios), 3), "median": round(statistics.median(ratios), 3), "max": round(max(ratios), 3)}


def main() -> None:
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="kosha-batch-bench-") as tmp:
        bench = BatchBench(Path(tmp))
        try:
            bench.configure()
            bench.start()
            result = bench.rounds()
            result["load_average_1min"] = {"start": load_at_start, "end": round(os.getloadavg()[0], 2)}
        finally:
            bench.stop()
            bench.drop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
