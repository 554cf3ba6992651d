// node --test: when the browser code retries and how long it waits (lib/retry.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError } from "../lib/api.js";
import { backoffMs, isRetryable, retryDelayMs, withRetry } from "../lib/retry.js";

const failure = (status, code = "error") => new ApiError(`answered ${status}`, { status, code });

describe("backoffMs", () => {
  it("doubles from 500 ms per attempt, between half and all of the ceiling", () => {
    assert.equal(backoffMs(1, () => 0), 250);
    assert.equal(backoffMs(1, () => 1), 500);
    assert.equal(backoffMs(2, () => 0), 500);
    assert.equal(backoffMs(3, () => 1), 2000);
    assert.equal(backoffMs(4, () => 0.5), 3000);
  });

  it("stops growing at 30 seconds", () => {
    assert.equal(backoffMs(7, () => 1), 30_000);
    assert.equal(backoffMs(40, () => 1), 30_000);
    assert.equal(backoffMs(40, () => 0), 15_000);
  });

  it("jitters with Math.random by default, within the bounds", () => {
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      const delay = backoffMs(attempt);
      const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
    }
  });
});

describe("retryDelayMs", () => {
  it("waits at least as long as the server's Retry-After", () => {
    const limited = new ApiError("slow down", { status: 429, code: "rate_limited", retryAfterMs: 7_000 });
    assert.equal(retryDelayMs(limited, 1, () => 0), 7_000);
    assert.equal(retryDelayMs(failure(503), 1, () => 0), 250);
  });
});

describe("isRetryable", () => {
  it("retries network errors, 5xx, 408 and 429", () => {
    assert.equal(isRetryable(new ApiError("offline", { code: "network" })), true);
    for (const status of [500, 502, 503, 504, 408, 429]) assert.equal(isRetryable(failure(status)), true, status);
  });

  it("takes other answers, an abort and nothing at all as final", () => {
    for (const status of [400, 401, 403, 404, 409, 410, 413, 422]) assert.equal(isRetryable(failure(status)), false, status);
    assert.equal(isRetryable(new DOMException("stopped", "AbortError")), false);
    assert.equal(isRetryable(null), false);
    assert.equal(isRetryable(new Error("a bug")), false);
  });

  it("is what ApiError.isRetryable answers", () => {
    assert.equal(failure(503).isRetryable, true);
    assert.equal(failure(404).isRetryable, false);
  });
});

describe("withRetry", () => {
  const noWait = async () => {};

  it("tries again after retryable failures and resolves with the first success", async () => {
    const answers = [failure(503), new ApiError("offline", { code: "network" }), "stored"];
    const retries = [];
    const result = await withRetry(
      async () => {
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      { wait: noWait, onRetry: (error, attempt) => retries.push([error.status, attempt]) },
    );
    assert.equal(result, "stored");
    assert.deepEqual(retries, [
      [503, 1],
      [0, 2],
    ]);
  });

  // withRetry over a call that fails every time, with fail(calls so far): the number of
  // calls made by the time it gave up with an error `givenUp` accepts.
  const callsUntilGivenUp = async (fail, options, givenUp) => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw fail(calls);
    };
    await assert.rejects(withRetry(failing, { wait: noWait, ...options }), givenUp);
    return calls;
  };

  it("gives up at once on a final answer", async () => {
    const quotaExceeded = () => failure(413, "quota_exceeded");
    const calls = await callsUntilGivenUp(quotaExceeded, {}, (error) => error.code === "quota_exceeded");
    assert.equal(calls, 1);
  });

  it("gives up after `attempts` tries with the last error", async () => {
    const serverErrors = (calls) => failure(500 + calls);
    const calls = await callsUntilGivenUp(serverErrors, { attempts: 3 }, (error) => error.status === 503);
    assert.equal(calls, 3);
  });

  it("waits the backoff between tries", async () => {
    const waited = [];
    let calls = 0;
    await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw failure(502);
        return "ok";
      },
      { wait: async (ms) => waited.push(ms) },
    );
    assert.equal(waited.length, 2);
    assert.ok(waited[0] >= 250 && waited[0] <= 500, waited[0]);
    assert.ok(waited[1] >= 500 && waited[1] <= 1000, waited[1]);
  });
});
