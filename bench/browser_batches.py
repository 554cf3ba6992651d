"""The browser's small-file uploader, ported for bench/batch_bench.py: it does what
static/js/upload-panel.js and static/js/upload-batch.js do, with their constants, and
nothing else.

- The queue (upload-panel.js `pump`): at most SMALL_FILES_AT_ONCE small files (and
  SMALL_BYTES_AT_ONCE) hold a URL whose PUT is not done; once half of that room is free it
  is refilled, a chunk at a time. A file whose PUT is done holds no room.
- Each file is hashed (SHA-256, as upload.js `sha256Hex`) and starts with on_conflict
  "fail" (upload-conflict.js ASK: a taken name would ask the user); its start goes through a
  Gatherer: the files the queue chose in one pass are a wave (upload-batch.js `batchWave`),
  whose starts go as one POST .../uploads/batch/ of up to BATCH_MAX_FILES as soon as the last
  of them asks (GATHER_S / GATHER_MAX_S only as a backstop).
- The PUT goes straight to the store (`connections` at a time: the browser's connections
  per host).
- The completes of the files started together go as one POST .../batch/complete/ as soon as
  the last of them asks (COMPLETE_GATHER_MS / COMPLETE_GATHER_MAX_MS only as a backstop).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# static/js/upload-panel.js and static/js/upload-batch.js
SMALL_FILES_AT_ONCE = 100
SMALL_BYTES_AT_ONCE = 32 * 1024 * 1024
BATCH_MAX_FILES = 100
GATHER_S, GATHER_MAX_S = 0.100, 1.0
COMPLETE_GATHER_S, COMPLETE_GATHER_MAX_S = 0.750, 4.0


class Gatherer:
    """upload-batch.js `Gatherer`: `send(key, items)` answers one entry per item; add()
    returns a Future of the item's entry. (The browser resets a setTimeout on each add;
    here one timer thread per batch is re-armed when it fires early: the same moments,
    without starting a thread per file, which cost this client ~10 % of its CPU.)"""

    def __init__(self, send: Callable, pool: ThreadPoolExecutor, *, gather_s: float, gather_max_s: float) -> None:
        self.send, self.pool = send, pool
        self.gather_s, self.gather_max_s = gather_s, gather_max_s
        self.lock = threading.Lock()
        self.open: dict[str, dict[str, Any]] = {}

    def add(self, key: str, item: Any, expected: int | None = None) -> Future:
        future: Future = Future()
        with self.lock:
            now = time.monotonic()
            batch = self.open.get(key)
            if batch is None:
                batch = {"key": key, "items": [], "futures": [], "timer": None, "first": now}
                self.open[key] = batch
            batch["items"].append(item)
            batch["futures"].append(future)
            if len(batch["items"]) >= min(BATCH_MAX_FILES, expected or BATCH_MAX_FILES):
                self._flush_locked(batch)
                return future
            batch["deadline"] = min(now + self.gather_s, batch["first"] + self.gather_max_s)
            if batch["timer"] is None:
                self._arm(batch, batch["deadline"] - now)
        return future

    def _arm(self, batch: dict, delay: float) -> None:
        batch["timer"] = threading.Timer(max(0.0, delay), self._due, [batch])
        batch["timer"].start()

    def _due(self, batch: dict) -> None:
        with self.lock:
            left = batch["deadline"] - time.monotonic()
            if left > 0:
                self._arm(batch, left)
            else:
                self._flush_locked(batch)

    def _flush_locked(self, batch: dict) -> None:
        if self.open.get(batch["key"]) is not batch:
            return
        del self.open[batch["key"]]
        if batch["timer"] is not None:
            batch["timer"].cancel()
        self.pool.submit(self._send, batch)

    def _send(self, batch: dict) -> None:
        try:
            entries = self.send(batch["key"], batch["items"])
        except Exception as exc:  # noqa: BLE001 - every waiter gets the request's failure
            for future in batch["futures"]:
                future.set_exception(exc)
            return
        for future, entry in zip(batch["futures"], entries, strict=True):
            if 200 <= entry["status"] < 300:
                future.set_result(entry)
            else:
                future.set_exception(RuntimeError(f"{entry}"))


def upload_like_the_browser(
    *,
    api: Callable[[str, dict], dict],
    http: Any,
    files: list[tuple[str, bytes]],
    connections: int,
    folder=None,
    sha256: bool = True,
    trace: list[tuple[str, float, float, int]] | None = None,
) -> int:
    """Upload `files` (name, bytes) as the browser does; `api(path, body)` POSTs to the app
    and answers its JSON, `http` PUTs to the store. sha256=False leaves the checksum out
    (as the browser does for a file it cannot hash, or an API client that sends none).
    `trace`, when given, gets one (kind, began, ended, files) per request and hash
    ("start", "put", "complete", "hash"; time.perf_counter() seconds).
    Returns how many requests the app got. Raises the first failure."""
    lock = threading.Lock()
    finished = threading.Event()
    queued = list(files)
    holding: dict[str, int] = {}  # name -> bytes: started, PUT not done
    chunks: dict[str, tuple[int, int]] = {}  # upload id -> (chunk number, files in it)
    state = {"left": len(files), "error": None, "chunks": 0, "waves": 0, "requests": 0}
    requests_pool = ThreadPoolExecutor(16, thread_name_prefix="app")
    puts = ThreadPoolExecutor(connections, thread_name_prefix="store")

    def traced(kind: str, began: float, files: int) -> None:
        if trace is not None:
            trace.append((kind, began, time.perf_counter(), files))

    def send_starts(key: str, bodies: list[dict]) -> list[dict]:
        began = time.perf_counter()
        entries = api("/api/v1/uploads/batch/", {"folder": folder, "files": bodies})["files"]
        traced("start", began, len(bodies))
        started = [entry["upload"]["id"] for entry in entries if entry["status"] == 201]
        with lock:
            state["requests"] += 1
            state["chunks"] += 1
            chunks.update({upload_id: (state["chunks"], len(started)) for upload_id in started})
        return entries

    def send_completes(key: str, ids: list[str]) -> list[dict]:
        with lock:
            state["requests"] += 1
        began = time.perf_counter()
        entries = api("/api/v1/uploads/batch/complete/", {"uploads": ids})["uploads"]
        traced("complete", began, len(ids))
        return entries

    starts = Gatherer(send_starts, requests_pool, gather_s=GATHER_S, gather_max_s=GATHER_MAX_S)
    completes = Gatherer(send_completes, requests_pool, gather_s=COMPLETE_GATHER_S, gather_max_s=COMPLETE_GATHER_MAX_S)

    def fail(error: BaseException) -> None:
        state["error"] = state["error"] or error
        finished.set()

    def pump() -> None:
        chosen = []
        with lock:
            count, held = len(holding), sum(holding.values())
            refill = count <= SMALL_FILES_AT_ONCE / 2 and held <= SMALL_BYTES_AT_ONCE / 2
            for name, data in list(queued):
                room = count == 0 or (
                    refill and count < SMALL_FILES_AT_ONCE and held + len(data) <= SMALL_BYTES_AT_ONCE
                )
                if not room:
                    continue
                queued.remove((name, data))
                holding[name] = len(data)
                count, held = count + 1, held + len(data)
                chosen.append((name, data))
            state["waves"] += 1
            wave = state["waves"]  # upload-batch.js batchWave: the files chosen in one pass
        for name, data in chosen:
            began = time.perf_counter()
            digest = hashlib.sha256(data).hexdigest() if sha256 else None
            traced("hash", began, 1)
            body = {
                "name": name,
                "size": len(data),
                "content_type": "application/octet-stream",
                "on_conflict": "fail",
                **({"sha256": digest} if digest else {}),
            }
            starts.add(f"start#{wave}", body, len(chosen)).add_done_callback(
                lambda done, name=name, data=data: started(name, data, done)
            )

    def started(name: str, data: bytes, done: Future) -> None:
        if done.exception():
            return fail(done.exception())
        puts.submit(put, name, data, done.result()["upload"])

    def put(name: str, data: bytes, upload: dict) -> None:
        try:
            began = time.perf_counter()
            answer = http.put(upload["url"], data=data, headers=upload["headers"], timeout=120)
            answer.raise_for_status()
            traced("put", began, 1)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            return fail(exc)
        with lock:
            del holding[name]
            number, size = chunks.pop(upload["id"])
        pump()
        completes.add(f"complete#{number}", upload["id"], size).add_done_callback(completed)

    def completed(done: Future) -> None:
        if done.exception():
            return fail(done.exception())
        with lock:
            state["left"] -= 1
            if state["left"] == 0:
                finished.set()

    pump()
    finished.wait()
    requests_pool.shutdown()
    puts.shutdown()
    if state["error"] is not None:
        raise RuntimeError(f"the browser-like upload failed: {state['error']}")
    return state["requests"]
