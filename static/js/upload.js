// Kosha's upload client: the browser sends bytes straight to the object store through
// presigned URLs; the API only decides (start), hands out part URLs, and records (complete).
// See "The upload protocol" in DESIGN.md.

const SHA256_MAX_BYTES = 64 * 1024 * 1024; // hashing reads the whole file into memory
const PART_BATCH = 16; // part URLs asked for at once; they are short-lived, so ask as we go
const PART_CONCURRENCY = 3;
const PART_ATTEMPTS = 4;
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

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(base, method, path, body, signal) {
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
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("ETag"));
      else reject(new UploadError(`The store refused the upload (${xhr.status}).`, { code: "store", status: xhr.status }));
    };
    xhr.onerror = () => reject(new UploadError("The upload was interrupted.", { code: "network" }));
    const abort = () => xhr.abort();
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    signal?.addEventListener("abort", abort, { once: true });
    xhr.onloadend = () => signal?.removeEventListener("abort", abort);
    xhr.send(blob);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function uploadParts(base, file, session, onProgress, signal) {
  const { id, part_size: partSize, part_count: partCount } = session;
  const loaded = new Map(); // part number -> bytes sent, for overall progress
  const report = () => onProgress([...loaded.values()].reduce((sum, n) => sum + n, 0));
  const pending = Array.from({ length: partCount }, (_, index) => index + 1);
  const urls = new Map(); // part number -> { url, headers }
  const etags = [];

  async function urlFor(number) {
    if (!urls.has(number)) {
      // Ask for this part and the next few that no one has asked for yet.
      const numbers = [number, ...pending.filter((n) => !urls.has(n) && n !== number)].slice(0, PART_BATCH);
      const data = await api(base, "POST", `uploads/${id}/parts/`, { numbers }, signal);
      for (const part of data.parts ?? data.items ?? []) urls.set(part.number, part);
    }
    const part = urls.get(number);
    if (!part) throw new UploadError(`No URL was issued for part ${number}.`);
    return part;
  }

  async function sendPart(number) {
    const blob = file.slice((number - 1) * partSize, Math.min(number * partSize, file.size));
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { url, headers } = await urlFor(number);
        const etag = await put(url, blob, {
          headers,
          signal,
          onProgress: (sent) => {
            loaded.set(number, sent);
            report();
          },
        });
        if (!etag) throw new UploadError("The store did not return an ETag (check the bucket's CORS ExposeHeaders).");
        loaded.set(number, blob.size);
        report();
        return { number, etag };
      } catch (error) {
        if (error.name === "AbortError" || attempt >= PART_ATTEMPTS || error.status === 413) throw error;
        loaded.set(number, 0);
        urls.delete(number); // the URL may have expired: ask again
        await sleep(500 * 2 ** attempt);
      }
    }
  }

  async function worker() {
    while (pending.length) {
      const number = pending.shift();
      etags.push(await sendPart(number));
    }
  }

  await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, partCount) }, worker));
  return etags.sort((a, b) => a.number - b.number);
}

/**
 * Upload one File into folder (a uuid, or null for the root).
 * onProgress(sentBytes, totalBytes, phase) with phase "hashing" | "uploading" | "finishing".
 * Resolves with the API's answer to complete; rejects with UploadError (carrying the API's
 * code and message, e.g. quota_exceeded before any byte is sent) or an AbortError.
 */
export async function uploadFile(file, { folder = null, base = "/api/v1/", onProgress = () => {}, signal } = {}) {
  onProgress(0, file.size, "hashing");
  const sha256 = await sha256Hex(file);
  const session = await api(
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
  const progress = (sent) => onProgress(Math.min(sent, file.size), file.size, "uploading");
  // One controller for this upload's transfers, so a failed part stops its siblings.
  const transfers = new AbortController();
  const stop = () => transfers.abort();
  signal?.addEventListener("abort", stop, { once: true });
  let parts = [];
  try {
    if (session.strategy === "multipart") {
      parts = await uploadParts(base, file, session, progress, transfers.signal);
    } else {
      await put(session.url, file, { headers: session.headers, onProgress: progress, signal: transfers.signal });
    }
  } catch (error) {
    stop();
    // Give back the reservation now rather than when the session expires.
    api(base, "DELETE", `uploads/${session.id}/`).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  onProgress(file.size, file.size, "finishing");
  // A mismatch here (422) is cleaned up by the server itself.
  return api(base, "POST", `uploads/${session.id}/complete/`, { parts }, signal);
}
