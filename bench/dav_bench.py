"""WebDAV benchmark (issue 14), on the same harness as bench/upload_bench.py: moto's S3
HTTP server and Kosha under gunicorn (kosha.wsgi:application, /dav/ beside Django, one
worker), measured in one run:
  (a) one PUT of BENCH_DAV_MIB MiB through /dav/, streamed from a generator: the worker's
      peak RSS (VmHWM) before and after, and the growth;
  (b) the same size through /dav/ and through the direct protocol (4 parallel parts),
      alternating rounds, min/median/max seconds and the ratio of medians;
  (c) PROPFIND depth 1 of folders of BENCH_PROPFIND_SIZES files: seconds per request
      (its query count is asserted constant by dav/tests/test_propfind_queries.py);
  (d) a GET with an app password that asks for redirected downloads: the body bytes
      Kosha's answer carries (counted as the client reads them: 0) and the bytes that
      came from the store's host instead (the file, compared byte for byte).
The run fails (exit status 1, after printing) when (a) grows by MAX_RSS_GROWTH_MIB or
more, or (d) moves any body byte through Kosha.
Run: `.venv/bin/python -m bench.dav_bench`. Prints a JSON summary.
"""

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from bench.stack import ROOT
from bench.upload_bench import Bench

MiB = 1024 * 1024
PUT_BYTES = int(os.environ.get("BENCH_DAV_MIB", "1024")) * MiB
ROUNDS = int(os.environ.get("BENCH_DAV_ROUNDS", "3"))
PROPFIND_SIZES = [int(n) for n in os.environ.get("BENCH_PROPFIND_SIZES", "1000,3000,10000").split(",") if n]
MAX_RSS_GROWTH_MIB = 64

APP_PASSWORD = """
from accounts.models import User
from accounts.services import app_password_create
_, key = app_password_create(
    user=User.objects.get(email="bench@example.com"), name="bench", redirect_downloads={redirect}
)
print(key)
"""

FILL_FOLDER = """
import sys
from accounts.models import User
from storage.models import File, Folder
user = User.objects.get(email="bench@example.com")
folder = Folder.objects.create(owner=user, name=sys.argv[-1] if False else "{name}")
File.objects.bulk_create(
    [File(owner=user, folder=folder, name=f"f{{n:05d}}.txt", content_type="text/plain") for n in range({count})],
    batch_size=2000,
)
"""


def peak_rss_bytes(pid: int) -> int:
    """VmHWM (peak resident set) of the gunicorn worker under master pid."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


class Body:
    """size bytes made up as they are read (one MiB block repeated), with a length, so
    the client sends Content-Length and the bytes never sit in the client's memory."""

    def __init__(self, size: int) -> None:
        self.len = size
        self.sent = 0
        self.block = os.urandom(MiB)

    def read(self, amount: int = -1) -> bytes:
        left = self.len - self.sent
        amount = left if amount is None or amount < 0 else min(amount, left)
        piece = (self.block * (amount // MiB + 1))[:amount]
        self.sent += len(piece)
        return piece


class DavBench(Bench):
    def start(self) -> None:
        super().start()
        self.dav = requests.Session()
        self.dav.auth = ("bench@example.com", self._manage_shell(APP_PASSWORD.format(redirect=False)))
        self.redirecting = requests.Session()
        self.redirecting.auth = ("bench@example.com", self._manage_shell(APP_PASSWORD.format(redirect=True)))

    def _manage_shell(self, code: str) -> str:
        done = subprocess.run(
            [os.sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def dav_put(self, name: str, size: int) -> float:
        started = time.perf_counter()
        answer = self.dav.put(f"{self.app_url}/dav/{name}", data=Body(size), timeout=3600)
        if answer.status_code >= 400:
            raise SystemExit(f"PUT {name}: {answer.status_code} {answer.text[:500]}")
        return time.perf_counter() - started

    def memory(self) -> dict:
        before = peak_rss_bytes(self.app.pid)
        seconds = self.dav_put("memory.bin", PUT_BYTES)
        after = peak_rss_bytes(self.app.pid)
        return {
            "put_mib": PUT_BYTES // MiB,
            "seconds": round(seconds, 2),
            "worker_peak_rss_mib_before": round(before / MiB, 1),
            "worker_peak_rss_mib_after": round(after / MiB, 1),
            "growth_mib": round((after - before) / MiB, 1),
        }

    def throughput(self) -> dict:
        size = min(PUT_BYTES, 256 * MiB)
        data = os.urandom(size)
        timings: dict[str, list[float]] = {"dav": [], "protocol": []}
        http = requests.Session()
        for number in range(ROUNDS):
            for kind in ("dav", "protocol") if number % 2 == 0 else ("protocol", "dav"):
                started = time.perf_counter()
                if kind == "dav":
                    self.dav.put(f"{self.app_url}/dav/t{number}.bin", data=data, timeout=600).raise_for_status()
                else:
                    self.protocol_upload(f"p{number}.bin", data, http)
                timings[kind].append(time.perf_counter() - started)
        summary = {
            kind: {"min": round(min(v), 3), "median": round(statistics.median(v), 3), "max": round(max(v), 3)}
            for kind, v in timings.items()
        }
        summary["mib"] = size // MiB
        # Throughput ratio per round (protocol seconds / DAV seconds of the same round).
        ratios = [protocol / dav for protocol, dav in zip(timings["protocol"], timings["dav"], strict=True)]
        summary["dav_throughput_vs_protocol"] = {
            "min": round(min(ratios), 2),
            "median": round(statistics.median(ratios), 2),
            "max": round(max(ratios), 2),
            "of_medians": round(summary["protocol"]["median"] / summary["dav"]["median"], 2),
        }
        return summary

    def redirected_get(self) -> dict:
        size = 64 * MiB
        data = os.urandom(size)
        self.dav.put(f"{self.app_url}/dav/redirected.bin", data=data, timeout=600).raise_for_status()
        answer = self.redirecting.get(f"{self.app_url}/dav/redirected.bin", stream=True, timeout=600)
        answer.raise_for_status()
        body = b"".join(answer.iter_content(MiB))
        kosha = answer.history[0] if answer.history else answer
        kosha_body_bytes = len(kosha.content)
        streamed = self.dav.get(f"{self.app_url}/dav/redirected.bin", timeout=600)
        return {
            "file_mib": size // MiB,
            "kosha_status": kosha.status_code,
            "kosha_body_bytes": kosha_body_bytes,
            "bytes_from_store_host": len(body) if answer.url.startswith(self.store_url) else 0,
            "same_bytes": body == data,
            "without_redirect_kosha_body_bytes": len(streamed.content),
        }

    def propfind(self) -> dict:
        result = {}
        for count in PROPFIND_SIZES:
            self._manage_shell(FILL_FOLDER.format(name=f"box{count}", count=count))
            times = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                answer = self.dav.request("PROPFIND", f"{self.app_url}/dav/box{count}/", headers={"Depth": "1"})
                answer.raise_for_status()
                times.append(time.perf_counter() - started)
            result[str(count)] = {"median_seconds": round(statistics.median(times), 3), "max": round(max(times), 3)}
        return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kosha-dav-bench-") as tmp:
        bench = DavBench(Path(tmp))
        try:
            bench.start()
            result = {
                "memory": bench.memory(),
                "throughput": bench.throughput(),
                "redirected_get": bench.redirected_get(),
                "propfind": bench.propfind(),
            }
        finally:
            bench.stop()
    print(json.dumps(result, indent=2))
    redirect = result["redirected_get"]
    failures = []
    if result["memory"]["growth_mib"] >= MAX_RSS_GROWTH_MIB:
        failures.append(f"RSS grew by {result['memory']['growth_mib']} MiB (limit {MAX_RSS_GROWTH_MIB})")
    if redirect["kosha_status"] != 302 or redirect["kosha_body_bytes"] != 0 or not redirect["same_bytes"]:
        failures.append(f"the redirected GET moved bytes through Kosha or lost them: {redirect}")
    if failures:
        raise SystemExit("; ".join(failures))


if __name__ == "__main__":
    main()
