// node --test: the parts of the live refresh that need no DOM: the conditional GET of
// lib/api.js (getIfChanged) and the listing comparison of browser/state.js.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { ApiError, getIfChanged } from "../lib/api.js";
import { listingDiffers } from "../browser/state.js";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

function answering(status, body, headers = {}) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(status === 304 ? null : JSON.stringify(body), { status, headers });
  };
  return calls;
}

describe("getIfChanged", () => {
  it("sends the ETag as If-None-Match, bypasses the browser cache and resolves null on 304", async () => {
    const calls = answering(304);
    assert.equal(await getIfChanged("changes/latest/", '"abc"'), null);
    assert.equal(calls[0].url, "/api/v1/changes/latest/");
    assert.equal(calls[0].init.headers["If-None-Match"], '"abc"');
    assert.equal(calls[0].init.cache, "no-store");
    assert.equal(calls[0].init.credentials, "same-origin");
  });

  it("resolves the body and the new ETag on 200, and sends no If-None-Match without a tag", async () => {
    const calls = answering(200, { tag: "def", poll_seconds: 10 }, { ETag: '"def"' });
    assert.deepEqual(await getIfChanged("changes/latest/", null), { data: { tag: "def", poll_seconds: 10 }, etag: '"def"' });
    assert.equal("If-None-Match" in calls[0].init.headers, false);
  });

  it("rejects with the API's error", async () => {
    answering(403, { error: { code: "not_authenticated", message: "Sign in." } });
    await assert.rejects(getIfChanged("changes/latest/", null), (error) => error instanceof ApiError && error.isSignedOut);
  });

  it("rejects with a network ApiError when there is no answer", async () => {
    globalThis.fetch = async () => {
      throw new TypeError("Failed to fetch");
    };
    await assert.rejects(getIfChanged("changes/latest/", null), (error) => error.code === "network");
  });
});

describe("listingDiffers", () => {
  const a = { id: "1", name: "a.txt", size_bytes: 3 };
  const b = { id: "2", name: "b.txt", size_bytes: 4 };

  it("is false for the same items in the same order", () => {
    assert.equal(listingDiffers([a, b], [{ ...a }, { ...b }]), false);
  });

  it("is true for an added, removed, renamed or reordered item", () => {
    assert.equal(listingDiffers([a], [a, b]), true);
    assert.equal(listingDiffers([a, b], [a]), true);
    assert.equal(listingDiffers([a, b], [a, { ...b, name: "c.txt" }]), true);
    assert.equal(listingDiffers([a, b], [b, a]), true);
  });
});
