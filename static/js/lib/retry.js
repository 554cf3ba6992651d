// When to try again and how long to wait first. Pure functions, plus a wait that also
// sits out the browser's offline periods; importable in node (no DOM at load time).

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
export const ATTEMPTS = 6; // per call, for network errors and 5xx

const abortError = () => new DOMException("Stopped", "AbortError");

/**
 * Whether trying the same request again can succeed: network errors, 5xx, 408 and 429.
 * Any other answer (4xx: refused, not found, over quota, signed out) is final, and so is
 * an AbortError (the user stopped it). Works on ApiError and on anything shaped like it.
 */
export function isRetryable(error) {
  if (!error || error.name === "AbortError") return false;
  const status = error.status ?? 0;
  return error.code === "network" || status >= 500 || status === 408 || status === 429;
}

/**
 * Milliseconds to wait before retry number `attempt` (1, 2, ...): exponential from 500 ms,
 * capped at 30 s, with jitter (half fixed, half random) so clients do not retry in step.
 * `random` is Math.random unless a test pins it.
 */
export function backoffMs(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (Math.max(1, attempt) - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** The wait before retry `attempt`: the backoff, or longer when the server said Retry-After. */
export function retryDelayMs(error, attempt, random = Math.random) {
  return Math.max(backoffMs(attempt, random), Math.min(error?.retryAfterMs ?? 0, BACKOFF_MAX_MS * 4));
}

/** Wait ms and, while the browser says it is offline, until it is back. Rejects on abort. */
export function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    let timer = null;
    const finish = () => {
      if (globalThis.navigator?.onLine === false) return; // the 'online' listener calls again
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(abortError());
    };
    const cleanup = () => {
      clearTimeout(timer);
      globalThis.removeEventListener?.("online", finish);
      signal?.removeEventListener("abort", onAbort);
    };
    timer = setTimeout(finish, ms);
    globalThis.addEventListener?.("online", finish);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Run `work` until it succeeds, at most `attempts` times, retrying only what isRetryable
 * allows, waiting retryDelayMs between tries. onRetry(error, attempt, delayMs) is told
 * before each wait. Rejects with the last error, or an AbortError when `signal` aborts.
 * Only for idempotent calls: a lost answer to a POST that creates must not be sent twice.
 */
export async function withRetry(work, { signal, onRetry, attempts = ATTEMPTS, wait = pause } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || attempt >= attempts) throw error;
      const delay = retryDelayMs(error, attempt);
      onRetry?.(error, attempt, delay);
      await wait(delay, signal);
    }
  }
}
