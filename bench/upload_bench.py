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
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
SMALL_FILES = int(os.environ.get("BENCH_SMALL_FILES", "200"))
SMALL_BYTES = 64 * 1024
BIG_BYTES = int(os.environ.get("BENCH_BIG_MIB", "256")) * MiB
PARALLEL = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children (gunicorn master + workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except FileNotFoundError:
            continue
    return total


class Bench:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.moto_port = free_port()
        self.app_port = free_port()
        self.moto_url = f"http://127.0.0.1:{self.moto_port}"
        self.app_url = f"http://127.0.0.1:{self.app_port}"
        self.bucket = "kosha-bench"
        self.env = {
            **os.environ,
            "KOSHA_EMBEDDED": "true",
            "SECRET_KEY": "bench-secret",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "KOSHA_VAR_DIR": str(workdir),
            "KOSHA_STORAGE": "s3",
            "KOSHA_S3_ENDPOINT_URL": self.moto_url,
            "KOSHA_S3_BUCKET": self.bucket,
            "KOSHA_S3_ACCESS_KEY_ID": "bench",
            "KOSHA_S3_SECRET_ACCESS_KEY": "bench",
            "KOSHA_S3_ADDRESSING_STYLE": "path",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("REDIS_URL", None)
        self.processes: list[subprocess.Popen] = []
        # The baseline sends what our clients send: no per-part checksums. boto3's default
        # (CRC32 on every part) is measured too, because moto completes a multipart
        # upload much faster when its parts carry checksums (see BENCHMARKS.md).
        self.s3 = self._client(checksums="when_required")
        self.s3_default = self._client(checksums="when_supported")

    def _client(self, *, checksums: str):
        return boto3.client(
            "s3",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(
                s3={"addressing_style": "path"},
                max_pool_connections=16,
                request_checksum_calculation=checksums,
                response_checksum_validation="when_required",
            ),
        )

    def start(self) -> None:
        python = sys.executable
        self.processes.append(
            subprocess.Popen(
                [str(Path(python).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(self.moto_port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for(self.moto_url)
        self.s3.create_bucket(Bucket=self.bucket)
        manage = [python, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=self.env, check=True, cwd=ROOT)
        self.token = subprocess.run(
            [*manage, "shell", "-c", BOOTSTRAP],
            env=self.env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip().splitlines()[-1]
        self.app = subprocess.Popen(
            [str(Path(python).parent / "gunicorn"), "kosha.wsgi:application", "--bind", f"127.0.0.1:{self.app_port}",
             "--workers", "1", "--threads", "8", "--timeout", "300", "--log-level", "warning"],
            env=self.env,
            cwd=ROOT,
        )
        self.processes.append(self.app)
        wait_for(f"{self.app_url}/api/schema/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {self.token}"
        self.app_requests = 0
        self.request_cpu: dict[str, list[float]] = {}

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    # --- the protocol, as a client does it -------------------------------------------
    def api(self, method: str, path: str, **kwargs) -> dict:
        self.app_requests += 1
        cpu_before = cpu_seconds(self.app.pid)
        response = self.session.request(method, f"{self.app_url}{path}", timeout=120, **kwargs)
        step = path.rstrip("/").rsplit("/", 1)[-1] if path.count("/") > 4 else "start"
        self.request_cpu.setdefault(step, []).append(cpu_seconds(self.app.pid) - cpu_before)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def protocol_upload(self, name: str, data: bytes, http: requests.Session) -> None:
        started = self.api("POST", "/api/v1/uploads/", json={"name": name, "size": len(data)})
        if started["strategy"] == "single":
            answer = http.put(started["url"], data=data, headers=started["headers"], timeout=120)
            answer.raise_for_status()
            self.api("POST", f"/api/v1/uploads/{started['id']}/complete/", json={})
            return
        part_size, count = started["part_size"], started["part_count"]
        numbers = list(range(1, count + 1))
        urls = {}
        for first in range(0, count, 100):
            batch = self.api("POST", f"/api/v1/uploads/{started['id']}/parts/", json={"numbers": numbers[first:first + 100]})
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
        data = os.urandom(BIG_BYTES)
        path = self.workdir / "big.bin"
        path.write_bytes(data)
        http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=PARALLEL)
        http.mount("http://", adapter)

        cpu_before = cpu_seconds(self.app.pid)
        started = time.perf_counter()
        self.protocol_upload("big.bin", data, http)
        protocol_seconds = time.perf_counter() - started
        protocol_cpu = cpu_seconds(self.app.pid) - cpu_before

        part_size = max(8 * MiB, -(-BIG_BYTES // 10000))
        config = TransferConfig(multipart_threshold=64 * MiB, multipart_chunksize=part_size, max_concurrency=PARALLEL)
        started = time.perf_counter()
        self.s3.upload_file(str(path), self.bucket, "raw/big.bin", Config=config)
        raw_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self.s3_default.upload_file(str(path), self.bucket, "raw/big-crc32.bin", Config=config)
        raw_default_seconds = time.perf_counter() - started

        cpu_before = cpu_seconds(self.app.pid)
        started = time.perf_counter()
        with path.open("rb") as body:
            answer = requests.post(
                f"{self.app_url}/bench/proxy/big.bin", data=body, timeout=600,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(BIG_BYTES)},
            )
        answer.raise_for_status()
        proxy_seconds = time.perf_counter() - started
        proxy_cpu = cpu_seconds(self.app.pid) - cpu_before
        gib = BIG_BYTES / 1024**3
        return {
            "bytes": BIG_BYTES,
            "protocol_steps": self.timings,
            "protocol_seconds": round(protocol_seconds, 3),
            "boto3_upload_file_seconds": round(raw_seconds, 3),
            "speed_ratio_protocol_over_raw": round(raw_seconds / protocol_seconds, 3),
            "boto3_upload_file_default_crc32_seconds": round(raw_default_seconds, 3),
            "speed_ratio_protocol_over_raw_default_crc32": round(raw_default_seconds / protocol_seconds, 3),
            "proxy_seconds": round(proxy_seconds, 3),
            "server_cpu_seconds_per_gib_protocol": round(protocol_cpu / gib, 4),
            "server_cpu_seconds_per_gib_proxy": round(proxy_cpu / gib, 4),
            "cpu_ratio_protocol_over_proxy": round(protocol_cpu / proxy_cpu, 4) if proxy_cpu else None,
        }


BOOTSTRAP = """
from accounts.models import User
from accounts.tokens import token_generate
from accounts.models import ApiToken
from plans.models import Plan
from plans.services import usage_set_plan
user = User.objects.create_user(email="bench@example.com", password="bench-password-123")
usage_set_plan(user=user, plan=Plan.objects.get(code="max"))
key, prefix, secret_hash = token_generate()
ApiToken.objects.create(user=user, name="bench", prefix=prefix, secret_hash=secret_hash)
print(key)
"""


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
