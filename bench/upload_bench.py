"""Upload benchmark (issue 2): the direct protocol against raw S3 and a proxying server.

Starts moto's S3 HTTP server and Kosha (gunicorn, S3 backend, SQLite in a temp dir) as
separate processes on 127.0.0.1, then measures, in one run:
  (a) 200 files of 64 KiB through the protocol vs boto3 put_object, wall-time ratio,
      and the number of requests that reached the app per file;
  (b) one 256 MiB file, multipart with 4 parallel parts, vs boto3 upload_file with the
      same concurrency and part size;
  (c) the app server's CPU seconds per GiB uploaded through the protocol vs through a
      Django view that proxies the bytes to the store.
Run: `make bench` (or `.venv/bin/python -m bench.upload_bench`). Prints a JSON summary.
"""

import concurrent.futures
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from boto3.s3.transfer import TransferConfig

from bench.stack import (
    BUCKET,
    app_env,
    cpu_delta,
    cpu_seconds,
    free_port,
    gunicorn_start,
    manage,
    moto_start,
    processes_stop,
    s3_client,
    users_create,
    wait_for,
)

MiB = 1024 * 1024
SMALL_FILES = int(os.environ.get("BENCH_SMALL_FILES", "200"))
SMALL_BYTES = 64 * 1024
BIG_BYTES = int(os.environ.get("BENCH_BIG_MIB", "256")) * MiB
PARALLEL = 4
BIG_ROUNDS = int(os.environ.get("BENCH_BIG_ROUNDS", "3"))


class Bench:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.moto_port = free_port()
        self.app_port = free_port()
        self.store_url = f"http://127.0.0.1:{self.moto_port}"
        self.store_keys = ("bench", "bench")  # moto takes any access key and secret
        self.app_url = f"http://127.0.0.1:{self.app_port}"
        self.bucket = BUCKET
        self.env = app_env(workdir=workdir, moto_url=self.store_url)
        self.env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        self.env.pop("REDIS_URL", None)
        self.processes: list[subprocess.Popen] = []
        # The baseline sends what our clients send: no per-part checksums. boto3's default
        # (CRC32 on every part) is measured too, because moto completes a multipart
        # upload much faster when its parts carry checksums (see BENCHMARKS.md).
        self.s3 = self._client(checksums="when_required")
        self.s3_default = self._client(checksums="when_supported")

    def _client(self, *, checksums: str):
        access_key, secret_key = self.store_keys
        return s3_client(
            self.store_url,
            access_key=access_key,
            secret_key=secret_key,
            request_checksum_calculation=checksums,
            response_checksum_validation="when_required",
        )

    def store_start(self) -> None:
        """The object store at store_url: moto's S3 server (bench/batch_bench.py can start SeaweedFS)."""
        self.processes.append(moto_start(self.moto_port))

    def start(self) -> None:
        self.store_start()
        self.s3.create_bucket(Bucket=self.bucket)
        manage("migrate", "--noinput", "-v", "0", env=self.env)
        (self.token,) = users_create(emails=["bench@example.com"], env=self.env)
        self.app = gunicorn_start(port=self.app_port, workers=1, threads=8, env=self.env)
        self.processes.append(self.app)
        wait_for(f"{self.app_url}/healthz")  # the schema takes seconds to build on a loaded machine
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {self.token}"
        self.app_requests = 0
        self.request_cpu: dict[str, list[float]] = {}

    def stop(self) -> None:
        processes_stop(self.processes)

    # --- the protocol, as a client does it -------------------------------------------
    def api(self, method: str, path: str, **kwargs) -> dict:
        self.app_requests += 1
        cpu_before = cpu_seconds(self.app.pid)
        response = self.session.request(method, f"{self.app_url}{path}", timeout=120, **kwargs)
        step = path.rstrip("/").rsplit("/", 1)[-1] if path.count("/") > 4 else "start"
        self.request_cpu.setdefault(step, []).append(cpu_delta(cpu_before, cpu_seconds(self.app.pid)))
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def protocol_upload(self, name: str, data: bytes, http: requests.Session) -> None:
        started = self.api("POST", "/api/v1/uploads/", json={"name": name, "size": len(data)})
        if started["strategy"] == "single":
            # A "big" file under the multipart threshold (a small BENCH_BIG_MIB) lands here too.
            t0 = time.perf_counter()
            answer = http.put(started["url"], data=data, headers=started["headers"], timeout=120)
            answer.raise_for_status()
            t1 = time.perf_counter()
            self.timings = {"parts_seconds": round(t1 - t0, 3)}
            self.api("POST", f"/api/v1/uploads/{started['id']}/complete/", json={})
            self.timings["complete_seconds"] = round(time.perf_counter() - t1, 3)
            return
        part_size, count = started["part_size"], started["part_count"]
        numbers = list(range(1, count + 1))
        urls = {}
        for first in range(0, count, 100):
            batch = self.api(
                "POST", f"/api/v1/uploads/{started['id']}/parts/", json={"numbers": numbers[first : first + 100]}
            )
            urls.update({part["number"]: part for part in batch["parts"]})

        def send(number: int) -> tuple[int, str]:
            chunk = memoryview(data)[(number - 1) * part_size : number * part_size]
            answer = http.put(urls[number]["url"], data=bytes(chunk), headers=urls[number]["headers"], timeout=300)
            answer.raise_for_status()
            return number, answer.headers["ETag"]

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
            etags = sorted(pool.map(send, numbers))
        t1 = time.perf_counter()
        self.timings = {"parts_seconds": round(t1 - t0, 3)}
        self.api(
            "POST",
            f"/api/v1/uploads/{started['id']}/complete/",
            json={"parts": [{"number": n, "etag": e} for n, e in etags]},
        )
        self.timings["complete_seconds"] = round(time.perf_counter() - t1, 3)

    # --- the measurements -------------------------------------------------------------
    def small_files(self) -> dict:
        blobs = [os.urandom(SMALL_BYTES) for _ in range(SMALL_FILES)]
        http = requests.Session()
        before_requests = self.app_requests
        started = time.perf_counter()
        for index, blob in enumerate(blobs):
            self.protocol_upload(f"small-{index}.bin", blob, http)
        protocol_seconds = time.perf_counter() - started
        per_file = (self.app_requests - before_requests) / SMALL_FILES

        started = time.perf_counter()
        for index, blob in enumerate(blobs):
            self.s3.put_object(Bucket=self.bucket, Key=f"raw/small-{index}.bin", Body=blob)
        raw_seconds = time.perf_counter() - started
        return {
            "files": SMALL_FILES,
            "protocol_seconds": round(protocol_seconds, 3),
            "boto3_put_object_seconds": round(raw_seconds, 3),
            "ratio_protocol_over_raw": round(protocol_seconds / raw_seconds, 2),
            "app_requests_per_file": per_file,
        }

    def big_file(self) -> dict:
        """Rounds alternate the three uploads so machine noise hits each alike; medians."""
        data = os.urandom(BIG_BYTES)
        path = self.workdir / "big.bin"
        path.write_bytes(data)
        http = requests.Session()
        http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=PARALLEL))
        part_size = max(8 * MiB, -(-BIG_BYTES // 10000))
        config = TransferConfig(multipart_threshold=64 * MiB, multipart_chunksize=part_size, max_concurrency=PARALLEL)
        runs: dict[str, list[float]] = {name: [] for name in ("protocol", "raw", "raw_crc32", "proxy")}
        cpu: dict[str, list[float]] = {"protocol": [], "proxy": []}
        steps = []
        for round_number in range(BIG_ROUNDS):
            cpu_before = cpu_seconds(self.app.pid)
            started = time.perf_counter()
            self.protocol_upload(f"big-{round_number}.bin", data, http)
            runs["protocol"].append(time.perf_counter() - started)
            cpu["protocol"].append(cpu_delta(cpu_before, cpu_seconds(self.app.pid)))
            steps.append(self.timings)

            started = time.perf_counter()
            self.s3.upload_file(str(path), self.bucket, f"raw/big-{round_number}.bin", Config=config)
            runs["raw"].append(time.perf_counter() - started)
            started = time.perf_counter()
            self.s3_default.upload_file(str(path), self.bucket, f"raw/big-crc32-{round_number}.bin", Config=config)
            runs["raw_crc32"].append(time.perf_counter() - started)

            cpu_before = cpu_seconds(self.app.pid)
            started = time.perf_counter()
            with path.open("rb") as body:
                answer = requests.post(
                    f"{self.app_url}/bench/proxy/big-{round_number}.bin",
                    data=body,
                    timeout=600,
                    headers={"Content-Type": "application/octet-stream", "Content-Length": str(BIG_BYTES)},
                )
            answer.raise_for_status()
            runs["proxy"].append(time.perf_counter() - started)
            cpu["proxy"].append(cpu_delta(cpu_before, cpu_seconds(self.app.pid)))
            for name in ("raw", "raw_crc32"):  # moto keeps objects in memory: free it
                self.s3.delete_object(
                    Bucket=self.bucket, Key=f"raw/{'big' if name == 'raw' else 'big-crc32'}-{round_number}.bin"
                )
            self.s3.delete_object(Bucket=self.bucket, Key=f"proxy/big-{round_number}.bin")

        median = {name: statistics.median(values) for name, values in runs.items()}
        cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
        gib = BIG_BYTES / 1024**3
        return {
            "bytes": BIG_BYTES,
            "rounds": BIG_ROUNDS,
            "seconds_each_round": {name: [round(value, 3) for value in values] for name, values in runs.items()},
            "protocol_steps_each_round": steps,
            "median_seconds": {name: round(value, 3) for name, value in median.items()},
            "speed_ratio_protocol_over_raw": round(median["raw"] / median["protocol"], 3),
            "speed_ratio_protocol_over_raw_default_crc32": round(median["raw_crc32"] / median["protocol"], 3),
            "server_cpu_seconds_per_gib_protocol": round(cpu_median["protocol"] / gib, 4),
            "server_cpu_seconds_per_gib_proxy": round(cpu_median["proxy"] / gib, 4),
            "cpu_ratio_protocol_over_proxy": round(cpu_median["protocol"] / cpu_median["proxy"], 4),
            # The protocol's server cost is per file, the proxy's per byte: the size at
            # which the protocol costs 1% of the proxy.
            "size_gib_where_protocol_is_1pct_of_proxy": round(
                cpu_median["protocol"] / (0.01 * cpu_median["proxy"] / gib), 2
            ),
        }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kosha-bench-") as tmp:
        bench = Bench(Path(tmp))
        try:
            bench.start()
            result = {"small_files": bench.small_files(), "big_file": bench.big_file()}
            result["server_cpu_ms_per_request"] = {
                step: round(1000 * sum(values) / len(values), 2) for step, values in bench.request_cpu.items()
            }
        finally:
            bench.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
