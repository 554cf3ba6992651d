"""Batch upload benchmark (issue 12): many small files through the batch protocol.

Starts moto's S3 HTTP server and Kosha (gunicorn as upload_bench starts it: 1 worker, 8
threads, the S3 backend) and measures, in one run, rounds that alternate their order:
  - batch: POST /api/v1/uploads/batch/ for all the files, the PUTs straight to the store
    (CONCURRENCY at a time), POST /api/v1/uploads/batch/complete/ for all of them;
  - boto3: put_object of the same files with the same concurrency (the wall-time floor);
  - single: the single-file protocol (start, PUT, complete per file), same concurrency;
  - proxy: each file POSTed to a bench-only Django view that reads the body and
    put_objects it (bench/floor.py proxy_small), same concurrency: the CPU baseline.
Wall time is per round; app CPU is the gunicorn process tree's, per file.
Reports the per-round ratios batch/boto3 (wall), batch/proxy and single/proxy (app CPU
per file) as min/median/max.

Run: `.venv/bin/python -m bench.batch_bench`. BENCH_DATABASE_URL (e.g. a PostgreSQL
database of its own) replaces the default SQLite file. Prints a JSON summary.
"""

import concurrent.futures
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import requests

from bench.stack import cpu_delta, cpu_seconds, proxy_post
from bench.upload_bench import Bench

FILES = int(os.environ.get("BENCH_BATCH_FILES", "200"))
FILE_BYTES = 64 * 1024
CONCURRENCY = int(os.environ.get("BENCH_BATCH_CONCURRENCY", "8"))
ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "5"))
KINDS = ("batch", "boto3", "single", "proxy")


def _pool_session() -> requests.Session:
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=CONCURRENCY, pool_connections=4))
    return http


class BatchBench(Bench):
    def run_batch(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        files = [{"name": f"{prefix}-{index}.bin", "size": len(blob)} for index, blob in enumerate(blobs)]
        started = self.api("POST", "/api/v1/uploads/batch/", json={"files": files})["files"]

        def put(pair) -> str:
            entry, blob = pair
            answer = http.put(entry["upload"]["url"], data=blob, headers=entry["upload"]["headers"], timeout=120)
            answer.raise_for_status()
            return entry["upload"]["id"]

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            ids = list(pool.map(put, zip(started, blobs, strict=True)))
        done = self.api("POST", "/api/v1/uploads/batch/complete/", json={"uploads": ids})["uploads"]
        failed = [entry for entry in done if entry["status"] != 200]
        if failed:
            raise RuntimeError(f"batch complete refused {len(failed)} files: {failed[:2]}")

    def run_single(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(
                pool.map(lambda pair: self.protocol_upload(f"{prefix}-{pair[0]}.bin", pair[1], http), enumerate(blobs))
            )

    def run_boto3(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        def put(pair) -> None:
            index, blob = pair
            self.s3.put_object(Bucket=self.bucket, Key=f"raw/{prefix}-{index}.bin", Body=blob)

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(put, enumerate(blobs)))

    def run_proxy(self, prefix: str, blobs: list[bytes], http: requests.Session) -> None:
        def post(pair) -> None:
            index, blob = pair
            proxy_post(
                http, app_url=self.app_url, route="proxy-small", name=f"{prefix}-{index}.bin", data=blob, timeout=120
            )

        with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(post, enumerate(blobs)))

    def rounds(self) -> dict:
        blobs = [os.urandom(FILE_BYTES) for _ in range(FILES)]
        http = _pool_session()
        # One unmeasured pass of each warms the imports, connections and caches.
        for kind in KINDS:
            getattr(self, f"run_{kind}")(f"warm-{kind}", blobs[:CONCURRENCY], http)
        wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
        cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
        requests_per_file: dict[str, float] = {}
        for number in range(ROUNDS):
            # Rotate the order, so that a slow patch of the machine hits each kind alike.
            order = KINDS[number % len(KINDS) :] + KINDS[: number % len(KINDS)]
            for kind in order:
                app_requests = self.app_requests
                cpu_before = cpu_seconds(self.app.pid)
                started = time.perf_counter()
                getattr(self, f"run_{kind}")(f"r{number}-{kind}", blobs, http)
                wall[kind].append(time.perf_counter() - started)
                cpu[kind].append(cpu_delta(cpu_before, cpu_seconds(self.app.pid)) / FILES)
                if kind in ("batch", "single"):
                    requests_per_file[kind] = (self.app_requests - app_requests) / FILES
        return {
            "files": FILES,
            "file_bytes": FILE_BYTES,
            "concurrency": CONCURRENCY,
            "rounds": ROUNDS,
            "database": self.env["DATABASE_URL"].split(":", 1)[0],
            "wall_seconds_each_round": {kind: [round(value, 3) for value in values] for kind, values in wall.items()},
            "app_cpu_ms_per_file_each_round": {
                kind: [round(1000 * value, 3) for value in values] for kind, values in cpu.items()
            },
            "app_requests_per_file": requests_per_file,
            "wall_ratio_batch_over_boto3": _spread(wall["batch"], wall["boto3"]),
            "wall_ratio_single_over_boto3": _spread(wall["single"], wall["boto3"]),
            "cpu_ratio_batch_over_proxy": _spread(cpu["batch"], cpu["proxy"]),
            "cpu_ratio_single_over_proxy": _spread(cpu["single"], cpu["proxy"]),
        }


def _spread(values: list[float], baseline: list[float]) -> dict:
    """min/median/max of the per-round ratios values[i] / baseline[i]."""
    ratios = [value / base for value, base in zip(values, baseline, strict=True)]
    return {"min": round(min(ratios), 3), "median": round(statistics.median(ratios), 3), "max": round(max(ratios), 3)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kosha-batch-bench-") as tmp:
        bench = BatchBench(Path(tmp))
        if os.environ.get("BENCH_DATABASE_URL"):
            bench.env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        try:
            bench.start()
            result = bench.rounds()
        finally:
            bench.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
