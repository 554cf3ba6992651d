// The one JSON API client of the browser pages (after Miniflux's request_builder.js): session
// auth, the CSRF header on writes, and the API's {"error": {"code", "message", ...}} turned
// into an ApiError. Nothing here touches the DOM at load time, so node can import it.
import { isRetryable } from "./retry.js";

export const API = "/api/v1/";
export const SIGN_IN_URL = "/accounts/login/";

const SIGNED_OUT_CODES = new Set(["not_authenticated", "authentication_failed"]);

/**
 * An answer other than 2xx, or no answer at all. `status` is the HTTP status (0: the request
 * never got one), `code` the API's stable error code ("network" when the server could not be
 * reached, "store" when the object store refused a PUT), `details` the error's other fields.
 */
export class ApiError extends Error {
  constructor(message, { code = "error", status = 0, details = {}, retryAfterMs = 0 } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }

  /** Trying the same request again can succeed (network, 5xx, 408, 429). */
  get isRetryable() {
    return isRetryable(this);
  }

  /** The session has ended: the page should offer "Sign in again", not a Retry. */
  get isSignedOut() {
    return (this.status === 401 || this.status === 403) && SIGNED_OUT_CODES.has(this.code);
  }
}

/** Where "Sign in again" goes: the sign-in page, then back to this page. */
export function signInUrl(next = globalThis.location ? globalThis.location.pathname + globalThis.location.search : "/") {
  return `${SIGN_IN_URL}?${new URLSearchParams({ next })}`;
}

/** Django's CSRF token, from its cookie (`cookies` is document.cookie unless a test passes one). */
export function csrfToken(cookies = globalThis.document?.cookie ?? "") {
  const match = cookies.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Seconds or an HTTP date in a Retry-After header, as milliseconds from now (0: none). */
export function parseRetryAfter(header, now = Date.now()) {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/** The ApiError for a non-2xx answer whose body (parsed JSON, or {}) is `data`. */
export function errorFromResponse(status, data, { retryAfter = null } = {}) {
  const { code = "error", message = `The server answered ${status}.`, ...details } = data?.error || {};
  return new ApiError(message, { code, status, details, retryAfterMs: parseRetryAfter(retryAfter) });
}

/**
 * One request to the API: `path` relative to /api/v1/ ("folders/root/items/") or absolute
 * ("/s/<token>/uploads/"). `body` is sent as JSON unless undefined. Resolves with the
 * parsed answer (null for 204); rejects with ApiError, or an AbortError when `signal` aborts.
 * Never retries: wrap an idempotent call in withRetry (./retry.js) for that.
 */
export async function api(method, path, body, { signal } = {}) {
  const response = await send(path, {
    method,
    signal,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(method === "GET" || method === "HEAD" ? {} : { "X-CSRFToken": csrfToken() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  return readJson(response);
}

/**
 * A conditional GET (If-None-Match: `etag`, none when etag is null): resolves null when the
 * server answers 304 Not Modified, else {data, etag} with the answer and its new ETag.
 * Rejects as api() does. Bypasses the browser's cache: the server's answer is the point.
 */
export async function getIfChanged(path, etag, { signal } = {}) {
  const response = await send(path, {
    method: "GET",
    signal,
    cache: "no-store",
    headers: etag ? { "If-None-Match": etag } : {},
  });
  if (response.status === 304) return null;
  return { data: await readJson(response), etag: response.headers.get("ETag") };
}

// fetch() with the session's cookies and JSON accepted; no answer at all is an ApiError
// (code "network"), an abort stays an AbortError.
async function send(path, { headers, ...init }) {
  try {
    return await fetch(path.startsWith("/") ? path : API + path, {
      ...init,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...headers },
    });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError("Could not reach the server. Check your connection.", { code: "network" });
  }
}

// The parsed body of a 2xx answer; any other status is the API's error as an ApiError.
async function readJson(response) {
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw errorFromResponse(response.status, data, { retryAfter: response.headers.get("Retry-After") });
  return data;
}

export const get = (path, options) => api("GET", path, undefined, options);
export const post = (path, body = {}, options) => api("POST", path, body, options);
export const patch = (path, body, options) => api("PATCH", path, body, options);
export const put = (path, body, options) => api("PUT", path, body, options);
export const del = (path, options) => api("DELETE", path, undefined, options);
