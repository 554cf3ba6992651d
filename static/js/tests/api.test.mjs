// node --test: the API client's pure parts (lib/api.js): errors, CSRF, Retry-After.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError, csrfToken, errorFromResponse, parseRetryAfter, signInUrl } from "../lib/api.js";

describe("errorFromResponse", () => {
  it("carries the API's code, message, status and the other fields as details", () => {
    const error = errorFromResponse(413, {
      error: { code: "quota_exceeded", message: "This file needs 5 MB more than you have.", limit_bytes: 100 },
    });
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 413);
    assert.equal(error.code, "quota_exceeded");
    assert.equal(error.message, "This file needs 5 MB more than you have.");
    assert.deepEqual(error.details, { limit_bytes: 100 });
  });

  it("says what the server answered when the body is not the API's error", () => {
    const error = errorFromResponse(502, {});
    assert.equal(error.code, "error");
    assert.equal(error.message, "The server answered 502.");
  });

  it("keeps the Retry-After header as milliseconds", () => {
    assert.equal(errorFromResponse(429, {}, { retryAfter: "3" }).retryAfterMs, 3000);
  });
});

describe("ApiError.isSignedOut", () => {
  it("is true for 401 and 403 that say the session is gone", () => {
    assert.equal(new ApiError("x", { status: 403, code: "not_authenticated" }).isSignedOut, true);
    assert.equal(new ApiError("x", { status: 401, code: "not_authenticated" }).isSignedOut, true);
    assert.equal(new ApiError("x", { status: 401, code: "authentication_failed" }).isSignedOut, true);
  });

  it("is false for a refusal to a signed-in user and for other errors", () => {
    assert.equal(new ApiError("x", { status: 403, code: "permission_denied" }).isSignedOut, false);
    assert.equal(new ApiError("x", { status: 403, code: "store" }).isSignedOut, false);
    assert.equal(new ApiError("x", { status: 404, code: "not_authenticated" }).isSignedOut, false);
    assert.equal(new ApiError("x", { code: "network" }).isSignedOut, false);
  });
});

describe("csrfToken", () => {
  it("reads Django's csrftoken cookie among others, decoded", () => {
    assert.equal(csrfToken("sessionid=abc; csrftoken=t%2Bk3n; theme=dark"), "t+k3n");
    assert.equal(csrfToken("csrftoken=first"), "first");
  });

  it("is empty without the cookie, and not fooled by a longer name", () => {
    assert.equal(csrfToken(""), "");
    assert.equal(csrfToken("xcsrftoken=nope"), "");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    assert.equal(parseRetryAfter("120"), 120_000);
    const now = Date.parse("2025-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now), 30_000);
  });

  it("is 0 when missing or unreadable", () => {
    assert.equal(parseRetryAfter(null), 0);
    assert.equal(parseRetryAfter("soon"), 0);
  });
});

describe("signInUrl", () => {
  it("returns to the page after signing in", () => {
    assert.equal(signInUrl("/f/123?highlight=9"), "/accounts/login/?next=%2Ff%2F123%3Fhighlight%3D9");
  });
});
