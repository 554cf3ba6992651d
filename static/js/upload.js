// Kosha's upload client: the browser sends bytes straight to the object store through
// presigned URLs; the API only decides (start), hands out part URLs, and records (complete).
// See "The upload protocol" in DESIGN.md. This module speaks the protocol and retries;
// upload-panel.js is the queue and the UI (pause, resume, cancel, resume after reload).

const SHA256_MAX_BYTES = 64 * 1024 * 1024; // hashing reads the whole file into memory
const PART_BATCH = 16; // part URLs asked for at once; they are short-lived, so ask as we go
export const PART_CONCURRENCY = 4;
const ATTEMPTS = 6; // per part or API call, for network errors and 5xx
const URL_REFRESHES = 3; // per part: a 403 from the store means the URL expired, ask again
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const STALL_MS = 60_000; // a PUT with no progress for this long is treated as a dropped connection
// Headers a page may not set; the browser derives them from the body.
const FORBIDDEN_HEADERS = new Set(["content-length", "host", "connection", "expect"]);

export class UploadError extends Error {
  constructor(message, { code = "error", status = 0, details = {} } = {}) {
    super(message);
    this.name = "UploadError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

const abortError = () => new DOMException("Upload stopped", "AbortError");

/** Network errors, 5xx, 408 and 429 are worth another try; other answers are final. */
export function isRetryable(error) {
  if (error?.name === "AbortError") return false;
  const status = error?.status ?? 0;
  return error?.code === "network" || status >= 500 || status === 408 || status === 429;
}

/** Exponential backoff with jitter (half fixed, half random) so clients do not retry in step. */
export function backoffMs(attempt) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Wait ms, and while the browser says it is offline, until it is back. Rejects on abort. */
export function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    let timer = null;
    const finish = () => {
      if (!navigator.onLine) return; // the 'online' listener will call again
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(abortError());
    };
    const cleanup = () => {
      clearTimeout(timer);
      window.removeEventListener("online", finish);
      signal?.removeEventListener("abort", onAbort);
    };
    timer = setTimeout(finish, ms);
    window.addEventListener("online", finish);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Run fn until it succeeds, retrying what isRetryable allows. onRetry(error, attempt, delayMs). */
export async function withRetry(fn, { signal, onRetry, attempts = ATTEMPTS } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt >= attempts) throw error;
      const delay = backoffMs(attempt);
      onRetry?.(error, attempt, delay);
      await pause(delay, signal);
    }
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** One call to the API. Rejects with UploadError carrying the API's code and message. */
export async function api(base, method, path, body, signal) {
  let response;
  try {
    response = await fetch(base + path, {
      method,
      signal,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new UploadError("Could not reach the server. Check your connection.", { code: "network" });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const { code = "error", message = `The server answered ${response.status}.`, ...details } = data.error || {};
    throw new UploadError(message, { code, status: response.status, details });
  }
  return data;
}

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
      else reject(new UploadError(`The store refused the upload (${xhr.status}).`, { code: "store", status: xhr.status }));
    };
    xhr.onerror = () => reject(new UploadError("The connection to the store dropped.", { code: "network" }));
    xhr.onabort = () =>
      reject(stalled ? new UploadError("The upload stalled.", { code: "network" }) : abortError());
    const abort = () => xhr.abort();
    signal?.addEventListener("abort", abort, { once: true });
    xhr.onloadend = () => {
      clearInterval(watchdog);
      signal?.removeEventListener("abort", abort);
    };
    xhr.send(blob);
  });
}

/**
 * Start an upload session: hash (small files), then POST uploads/. No retry: a lost answer
 * could leave a second reservation. Quota errors (413 quota_exceeded) come from here, before
 * any byte is sent.
 */
export async function uploadStart(file, { folder = null, base = "/api/v1/", signal } = {}) {
  const sha256 = await sha256Hex(file);
  return api(
    base,
    "POST",
    "uploads/",
    {
      name: file.name,
      size: file.size,
      folder,
      content_type: file.type || "application/octet-stream",
      ...(sha256 ? { sha256 } : {}),
    },
    signal,
  );
}

/** The session's status and, for a pending multipart upload, the parts the store holds. */
export function uploadState(id, { base = "/api/v1/", signal } = {}) {
  return withRetry(() => api(base, "GET", `uploads/${id}/`, undefined, signal), { signal });
}

/** Give the reservation back now rather than when the session expires. */
export function uploadAbort(id, { base = "/api/v1/" } = {}) {
  return api(base, "DELETE", `uploads/${id}/`);
}

/** Complete is idempotent on the server, so it is safe to retry. Resolves with the file. */
export function uploadComplete(id, parts, { base = "/api/v1/", signal, onRetry } = {}) {
  return withRetry(() => api(base, "POST", `uploads/${id}/complete/`, { parts }, signal), { signal, onRetry });
}

/** The size part `number` must have: every part is part_size but the last. */
export function partBytes(session, number) {
  const { part_size: partSize, part_count: partCount, size } = session;
  return number < partCount ? partSize : size - partSize * (partCount - 1);
}

/** The single PUT, retried on network errors and 5xx. A 403 (URL expired) is the caller's. */
export function uploadSingle(file, session, { onProgress, signal, onRetry } = {}) {
  return withRetry(
    () => put(session.url, file, { headers: session.headers, onProgress, signal }),
    { signal, onRetry: (error, attempt, delay) => (onProgress?.(0), onRetry?.(error, attempt, delay)) },
  );
}

/**
 * Send the parts of a multipart session that `done` (number -> etag) does not hold yet,
 * PART_CONCURRENCY at a time, each retried with backoff; a 403 gets a fresh URL.
 * onProgress(sentBytes) counts done parts too; onPart(number, etag) after each part.
 * Resolves with [{number, etag}] for every part, in order.
 */
export async function uploadParts(file, session, { base = "/api/v1/", done = new Map(), onProgress, onPart, onRetry, signal } = {}) {
  const { id, part_count: partCount } = session;
  const sizes = { ...session, size: file.size };
  const loaded = new Map([...done.keys()].map((number) => [number, partBytes(sizes, number)]));
  const report = () => onProgress?.([...loaded.values()].reduce((sum, n) => sum + n, 0));
  const pending = Array.from({ length: partCount }, (_, index) => index + 1).filter((n) => !done.has(n));
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
      const request = withRetry(() => api(base, "POST", `uploads/${id}/parts/`, { numbers }, transfers.signal), {
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
    if (!part) throw new UploadError(`No URL was issued for part ${number}.`);
    return part;
  }

  async function sendPart(number) {
    const blob = file.slice((number - 1) * session.part_size, Math.min(number * session.part_size, file.size));
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
        if (!etag) throw new UploadError("The store did not return an ETag (check the bucket's CORS ExposeHeaders).");
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
        const delay = backoffMs(attempt);
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
 * Resolves with the API's answer to complete; rejects with UploadError (carrying the API's
 * code and message, e.g. quota_exceeded before any byte is sent) or an AbortError.
 */
export async function uploadFile(file, { folder = null, base = "/api/v1/", onProgress = () => {}, signal } = {}) {
  onProgress(0, file.size, "hashing");
  const session = await uploadStart(file, { folder, base, signal });
  const progress = (sent) => onProgress(Math.min(sent, file.size), file.size, "uploading");
  let parts = [];
  try {
    if (session.strategy === "multipart") {
      parts = await uploadParts(file, session, { base, onProgress: progress, signal });
    } else {
      await uploadSingle(file, session, { onProgress: progress, signal });
    }
  } catch (error) {
    uploadAbort(session.id, { base }).catch(() => {});
    throw error;
  }
  onProgress(file.size, file.size, "finishing");
  // A mismatch here (422) is cleaned up by the server itself.
  return uploadComplete(session.id, parts, { base, signal });
}
