// node --test: how small files' starts and completes share requests (upload-batch.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError } from "../lib/api.js";
import { BATCH_FILE_MAX_BYTES, Gatherer, batchWave, batchable, entryError } from "../upload-batch.js";

function recorder(answer = (items) => items.map((item) => ({ status: 200, item }))) {
  const sent = [];
  const send = async (key, items) => {
    sent.push([key, [...items]]);
    return answer(items);
  };
  return { sent, send };
}

describe("Gatherer", () => {
  it("sends what is asked for at about the same time as one request, answering each its own entry", async () => {
    const { sent, send } = recorder();
    const gatherer = new Gatherer(send, { gatherMs: 5 });

    const answers = await Promise.all(["a", "b", "c"].map((item) => gatherer.add("k", item)));

    assert.deepEqual(sent, [["k", ["a", "b", "c"]]]);
    assert.deepEqual(answers.map((entry) => entry.item), ["a", "b", "c"]);
  });

  it("keeps keys apart and cuts a request at maxItems", async () => {
    const { sent, send } = recorder();
    const gatherer = new Gatherer(send, { maxItems: 2, gatherMs: 5 });

    await Promise.all([gatherer.add("x", 1), gatherer.add("x", 2), gatherer.add("x", 3), gatherer.add("y", 4)]);

    assert.deepEqual(sent, [["x", [1, 2]], ["x", [3]], ["y", [4]]]);
  });

  it("sends a key's request as soon as the expected number of items is there, without waiting", async () => {
    const { sent, send } = recorder();
    const gatherer = new Gatherer(send, { gatherMs: 60_000, gatherMaxMs: 60_000 });

    const answers = await Promise.all([gatherer.add("chunk", "a", 2), gatherer.add("chunk", "b", 2)]);

    assert.deepEqual(sent, [["chunk", ["a", "b"]]]);
    assert.equal(answers.length, 2);
  });

  it("sends each wave of starts (a key and its size) the moment its last file asks, with no timer", async () => {
    const { sent, send } = recorder();
    const stopped = { setTimeout: () => 0, clearTimeout: () => {} }; // a gathering pause would never end
    const gatherer = new Gatherer(send, { timers: stopped });
    const [first, second] = [batchWave(2), batchWave(1)];

    await Promise.all([
      gatherer.add(`wave ${first.id}`, "a", first.size),
      gatherer.add(`wave ${second.id}`, "c", second.size),
      gatherer.add(`wave ${first.id}`, "b", first.size),
    ]);

    assert.notEqual(first.id, second.id);
    assert.deepEqual(sent, [
      [`wave ${second.id}`, ["c"]],
      [`wave ${first.id}`, ["a", "b"]],
    ]);
  });

  it("sends a wave larger than maxItems in full requests and its remainder at once, with no timer", async () => {
    const { sent, send } = recorder();
    const stopped = { setTimeout: () => 0, clearTimeout: () => {} }; // a gathering pause would never end
    const gatherer = new Gatherer(send, { maxItems: 100, timers: stopped });
    const wave = batchWave(250);
    const files = Array.from({ length: 250 }, (_, index) => `photo ${index}`);

    const answers = await Promise.all(files.map((file) => gatherer.add(`wave ${wave.id}`, file, wave.size)));

    assert.deepEqual(
      sent.map(([key, items]) => [key, items.length]),
      [
        [`wave ${wave.id}`, 100],
        [`wave ${wave.id}`, 100],
        [`wave ${wave.id}`, 50],
      ],
    );
    assert.deepEqual(sent.flatMap(([, items]) => items), files);
    assert.deepEqual(answers.map((entry) => entry.item), files);
    assert.equal(gatherer.sent.size, 0); // nothing kept once the wave is sent
  });

  it("rejects only the items whose entry is an error, with the single request's ApiError", async () => {
    const { send } = recorder(() => [
      { status: 201 },
      { status: 409, error: { code: "conflict", message: "Taken.", reason: "name_taken" } },
    ]);
    const gatherer = new Gatherer(send, { gatherMs: 5 });

    const [ok, refused] = await Promise.allSettled([gatherer.add("k", "a"), gatherer.add("k", "b")]);

    assert.equal(ok.status, "fulfilled");
    assert.ok(refused.reason instanceof ApiError);
    assert.equal(refused.reason.status, 409);
    assert.equal(refused.reason.code, "conflict");
    assert.equal(refused.reason.details.reason, "name_taken");
  });

  it("rejects every item when the request itself fails", async () => {
    const failure = new ApiError("Down.", { code: "network" });
    const gatherer = new Gatherer(async () => Promise.reject(failure), { gatherMs: 5 });

    const results = await Promise.allSettled([gatherer.add("k", 1), gatherer.add("k", 2)]);

    assert.deepEqual(results.map((result) => result.reason), [failure, failure]);
  });
});

describe("batchable and entryError", () => {
  it("batches small files of the signed-in API only", () => {
    assert.equal(batchable(1024, "/api/v1/uploads/"), true);
    assert.equal(batchable(BATCH_FILE_MAX_BYTES + 1, "/api/v1/uploads/"), false);
    assert.equal(batchable(1024, "/s/token/uploads/"), false);
  });

  it("reads a per-file error as an ApiError", () => {
    const error = entryError({ status: 404, error: { code: "not_found", message: "Upload not found." } });
    assert.equal(error.status, 404);
    assert.equal(error.message, "Upload not found.");
  });
});
