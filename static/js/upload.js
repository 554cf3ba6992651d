// Kosha's upload client: the browser sends bytes straight to the object store through
// presigned URLs; the API only decides (start), hands out part URLs, and records (complete).
// See "The upload protocol" in DESIGN.md. This module speaks the protocol and retries;
// upload-task.js and upload-panel.js are the queue and the UI (pause, resume, cancel).
//
// `uploads` is the URL of the protocol's collection: "/api/v1/uploads/" for a signed-in
// user, "/s/<token>/uploads/" for a file-drop link, which answers the same requests below
// it (<id>/, <id>/parts/, <id>/complete/). Importable in node: the pure part planning
// below is unit-tested there.
import { ApiError, api } from "./lib/api.js";
import { ATTEMPTS, isRetryable, pause, retryDelayMs, withRetry } from "./lib/retry.js";
import { batchable, batchComplete, batchStart, hasBatches } from "./upload-batch.js";

export const UPLOADS_URL = "/api/v1/uploads/";
const SHA256_MAX_BYTES = 64 * 1024 * 1024; // hashing reads the whole file into memory
const PART_BATCH = 16; // part URLs asked for at once; they are short-lived, so ask as we go
export const PART_CONCURRENCY = 4;
const URL_REFRESHES = 3; // per part: a 403 from the store means the URL expired, ask again
const STALL_MS = 60_000; // a PUT with no progress for this long is treated as a dropped connection
// Headers a page may not set; the browser derives them from the body.
const FORBIDDEN_HEADERS = new Set(["content-length", "host", "connection", "expect"]);

const abortError = () => new DOMException("Upload stopped", "AbortError");

// --- part planning (pure) ---------------------------------------------------------------------

/** The size in bytes part `number` (1-based) must have: every part is part_size but the last. */
export function partBytes(session, number) {
  const { part_size: partSize, part_count: partCount, size } = session;
  return number < partCount ? partSize : size - partSize * (partCount - 1);
}

/** The [start, end) byte range of part `number` in the file, for File.slice. */
export function partRange(session, number) {
  const start = (number - 1) * session.part_size;
  return [start, start + partBytes(session, number)];
}

/** The part numbers (1..part_count, ascending) that `done` (number -> etag) does not hold. */
export function partsPending(session, done = new Map()) {
  return Array.from({ length: session.part_count }, (_, index) => index + 1).filter((number) => !done.has(number));
}

/**
 * The parts worth keeping when resuming, as number -> etag, from what the store reports
 * holding ([{number, etag, size}]): only whole parts of this plan count, since the store
 * keeps nothing usable of a part that was cut off.
 */
export function partsKept(session, stored = []) {
  const kept = new Map();
  for (const part of stored) {
    const inPlan = Number.isInteger(part.number) && part.number >= 1 && part.number <= session.part_count;
    if (inPlan && part.etag && part.size === partBytes(session, part.number)) kept.set(part.number, part.etag);
  }
  return kept;
}

/** Bytes held by the parts numbered in `numbers` (an iterable). */
export function partsBytes(session, numbers) {
  let total = 0;
  for (const number of numbers) total += partBytes(session, number);
  return total;
}

// --- transfers --------------------------------------------------------------------------------

async function sha256Hex(file) {
  if (file.size > SHA256_MAX_BYTES || !globalThis.crypto?.subtle) return undefined; // subtle needs a secure context
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// PUT a blob with XHR (fetch cannot report upload progress). Resolves with the ETag.
function put(url, blob, { headers = {}, onProgress, signal }) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const xhr = new XMLHttpRequest();
    let stalled = false;
    let lastProgressAt = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgressAt > STALL_MS) {
        stalled = true;
        xhr.abort();
      }
    }, 5_000);
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      lastProgressAt = Date.now();
      onProgress?.(event.loaded);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("ETag"));
      else reject(new ApiError(`The store refused the upload (${xhr.status}).`, { code: "store", status: xhr.status }));
    };
    xhr.onerror = () => reject(new ApiError("The connection to the store dropped.", { code: "network" }));
    xhr.onabort = () =>
      reject(stalled ? new ApiError("The upload stalled.", { code: "network" }) : abortError());
    const abort = () => xhr.abort();
    signal?.addEventListener("abort", abort, { once: true });
    xhr.onloadend = () => {
      clearInterval(watchdog);
      signal?.removeEventListener("abort", abort);
    };
    xhr.send(blob);
  });
}

// One start at a time per collection. A drop link's server keeps the visitor's upload ids in
// the Django session, and two starts answered at once would each save their own copy of it:
// the later save drops the other's id, whose session then answers 404.
const startQueues = new Map(); // uploads URL -> the last start asked for

function oneStartAtATime(uploads, work) {
  const next = (startQueues.get(uploads) ?? Promise.resolve()).catch(() => {}).then(work);
  startQueues.set(uploads, next);
  return next;
}

/** Whether the collection `uploads` takes on_conflict (a drop link always keeps both). */
export function choosesOnConflict(uploads) {
  return uploads === UPLOADS_URL;
}

/**
 * Start an upload session: hash (small files), then POST to the uploads collection. No retry: a lost answer
 * could leave a second reservation. Quota errors (413 quota_exceeded) come from here, before
 * any byte is sent; with onConflict "fail", so does a taken name (409, reason name_taken).
 * onConflict: "version" | "rename" | "fail", or null for the server's default (version).
 * wave: the batchWave() a small file starts with (upload-panel.js), or null.
 */
export async function uploadStart(file, { folder = null, uploads = UPLOADS_URL, onConflict = null, signal, wave = null } = {}) {
  const sha256 = await sha256Hex(file);
  const body = {
    name: file.name,
    size: file.size,
    // Only where one is chosen: a body holds only the fields its endpoint declares, and a
    // drop link's start has none (the link names the folder).
    ...(folder ? { folder } : {}),
    content_type: file.type || "application/octet-stream",
    ...(sha256 ? { sha256 } : {}),
    ...(onConflict ? { on_conflict: onConflict } : {}),
  };
  // Small files start together: one request for the starts asked for at about the same time.
  if (batchable(file.size, uploads)) return batchStart(body, { uploads, wave });
  return oneStartAtATime(uploads, () => api("POST", uploads, body, { signal }));
}

/** The session's status and, for a pending multipart upload, the parts the store holds. */
export function uploadState(id, { uploads = UPLOADS_URL, signal } = {}) {
  return withRetry(() => api("GET", `${uploads}${id}/`, undefined, { signal }), { signal });
}

/** Give the reservation back now rather than when the session expires. */
export function uploadAbort(id, { uploads = UPLOADS_URL } = {}) {
  return api("DELETE", `${uploads}${id}/`);
}

/**
 * Complete is idempotent on the server, so it is safe to retry. Resolves with the file.
 * A single PUT has no parts: the body leaves them out (the API refuses an empty list).
 */
export function uploadComplete(id, parts, { uploads = UPLOADS_URL, signal, onRetry } = {}) {
  // Single PUTs complete together, as they start (a multipart upload completes with its parts).
  if (!parts?.length && hasBatches(uploads)) return batchComplete(id, { uploads });
  const body = parts?.length ? { parts } : {};
  return withRetry(() => api("POST", `${uploads}${id}/complete/`, body, { signal }), { signal, onRetry });
}

/**
 * The single PUT, retried on network errors and 5xx. A 403 (URL expired) is the caller's.
 * The URL is a conditional write (If-None-Match: *): a 412 means an earlier try arrived
 * although its answer was lost, so the bytes are there and complete will verify them.
 */
export function uploadSingle(file, session, { onProgress, signal, onRetry } = {}) {
  return withRetry(
    () =>
      put(session.url, file, { headers: session.headers, onProgress, signal }).catch((error) => {
        if (error.code === "store" && error.status === 412) return null;
        throw error;
      }),
    { signal, onRetry: (error, attempt, delay) => (onProgress?.(0), onRetry?.(error, attempt, delay)) },
  );
}

/**
 * Send the parts of a multipart session that `done` (number -> etag) does not hold yet,
 * PART_CONCURRENCY at a time, each retried with backoff; a 403 gets a fresh URL.
 * onProgress(sentBytes) counts done parts too; onPart(number, etag) after each part.
 * Resolves with [{number, etag}] for every part, in order.
 */
export async function uploadParts(file, session, { uploads = UPLOADS_URL, done = new Map(), onProgress, onPart, onRetry, signal } = {}) {
  const { id } = session;
  const plan = { ...session, size: file.size };
  const loaded = new Map([...done.keys()].map((number) => [number, partBytes(plan, number)]));
  const report = () => onProgress?.([...loaded.values()].reduce((sum, n) => sum + n, 0));
  const pending = partsPending(plan, done);
  const urls = new Map(); // part number -> { url, headers }
  const asking = new Map(); // part number -> the request that will bring its URL
  // One controller for this call's transfers, so a part that fails for good stops its siblings.
  const transfers = new AbortController();
  const stop = () => transfers.abort();
  signal?.addEventListener("abort", stop, { once: true });
  report();

  async function urlFor(number) {
    if (!urls.has(number) && !asking.has(number)) {
      // Ask for this part and the next few that no one has asked for yet.
      const numbers = [number, ...pending.filter((n) => n !== number && !urls.has(n) && !asking.has(n))].slice(0, PART_BATCH);
      const request = withRetry(() => api("POST", `${uploads}${id}/parts/`, { numbers }, { signal: transfers.signal }), {
        signal: transfers.signal,
        onRetry,
      }).then((data) => {
        for (const part of data.parts ?? []) urls.set(part.number, part);
      });
      for (const n of numbers) asking.set(n, request);
      try {
        await request;
      } finally {
        for (const n of numbers) asking.delete(n);
      }
    } else if (asking.has(number)) {
      await asking.get(number);
    }
    const part = urls.get(number);
    if (!part) throw new ApiError(`No URL was issued for part ${number}.`);
    return part;
  }

  async function sendPart(number) {
    const blob = file.slice(...partRange(plan, number));
    let refreshes = 0;
    for (let attempt = 1; ; ) {
      try {
        const { url, headers } = await urlFor(number);
        const etag = await put(url, blob, {
          headers,
          signal: transfers.signal,
          onProgress: (sent) => {
            loaded.set(number, sent);
            report();
          },
        });
        if (!etag) throw new ApiError("The store did not return an ETag (check the bucket's CORS ExposeHeaders).");
        done.set(number, etag);
        loaded.set(number, blob.size);
        report();
        onPart?.(number, etag);
        return;
      } catch (error) {
        if (error.name === "AbortError") throw error;
        loaded.set(number, 0);
        report();
        if (error.code === "store" && error.status === 403 && refreshes < URL_REFRESHES) {
          refreshes += 1;
          urls.delete(number); // the URL expired (or was refused): ask for a fresh one
          continue;
        }
        if (!isRetryable(error) || attempt >= ATTEMPTS) throw error;
        const delay = retryDelayMs(error, attempt);
        attempt += 1;
        onRetry?.(error, attempt, delay);
        await pause(delay, transfers.signal);
      }
    }
  }

  async function worker() {
    while (pending.length) await sendPart(pending.shift());
  }

  try {
    await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, pending.length) }, worker));
  } catch (error) {
    stop();
    throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  return [...done.entries()].map(([number, etag]) => ({ number, etag })).sort((a, b) => a.number - b.number);
}

/**
 * Upload one File into folder (a uuid, or null for the root), start to finish, without a UI.
 * onProgress(sentBytes, totalBytes, phase) with phase "hashing" | "uploading" | "finishing".
 * Resolves with the API's answer to complete; rejects with ApiError (carrying the API's
 * code and message, e.g. quota_exceeded before any byte is sent) or an AbortError.
 */
export async function uploadFile(file, { folder = null, uploads = UPLOADS_URL, onProgress = () => {}, signal } = {}) {
  onProgress(0, file.size, "hashing");
  const session = await uploadStart(file, { folder, uploads, signal });
  const progress = (sent) => onProgress(Math.min(sent, file.size), file.size, "uploading");
  let parts = [];
  try {
    if (session.strategy === "multipart") {
      parts = await uploadParts(file, session, { uploads, onProgress: progress, signal });
    } else {
      await uploadSingle(file, session, { onProgress: progress, signal });
    }
  } catch (error) {
    uploadAbort(session.id, { uploads }).catch(() => {});
    throw error;
  }
  onProgress(file.size, file.size, "finishing");
  // A mismatch here (422) is cleaned up by the server itself.
  return uploadComplete(session.id, parts, { uploads, signal });
}
