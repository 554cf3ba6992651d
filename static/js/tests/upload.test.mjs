// node --test: how a multipart upload is cut into parts and resumed (upload.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { partBytes, partRange, partsBytes, partsKept, partsPending } from "../upload.js";
import { SpeedMeter } from "../upload-row.js";

const MiB = 1024 * 1024;
// 20 MiB + 5 bytes in 8 MiB parts: two whole parts and a short third.
const session = { part_size: 8 * MiB, part_count: 3, size: 20 * MiB + 5 };

describe("partBytes and partRange", () => {
  it("gives every part part_size bytes but the last, which has the rest", () => {
    assert.equal(partBytes(session, 1), 8 * MiB);
    assert.equal(partBytes(session, 2), 8 * MiB);
    assert.equal(partBytes(session, 3), 4 * MiB + 5);
  });

  it("covers the file with adjacent ranges", () => {
    assert.deepEqual(partRange(session, 1), [0, 8 * MiB]);
    assert.deepEqual(partRange(session, 2), [8 * MiB, 16 * MiB]);
    assert.deepEqual(partRange(session, 3), [16 * MiB, 20 * MiB + 5]);
  });

  it("makes a one-part upload the whole file", () => {
    const one = { part_size: 8 * MiB, part_count: 1, size: 3 };
    assert.equal(partBytes(one, 1), 3);
    assert.deepEqual(partRange(one, 1), [0, 3]);
  });

  it("makes an exact multiple end on a whole part", () => {
    const exact = { part_size: 8 * MiB, part_count: 2, size: 16 * MiB };
    assert.equal(partBytes(exact, 2), 8 * MiB);
  });
});

describe("partsPending", () => {
  it("lists the parts not yet done, in order", () => {
    assert.deepEqual(partsPending(session), [1, 2, 3]);
    assert.deepEqual(partsPending(session, new Map([[2, '"e2"']])), [1, 3]);
    assert.deepEqual(partsPending(session, new Map([[1, "a"], [2, "b"], [3, "c"]])), []);
  });
});

describe("partsKept", () => {
  it("keeps whole parts the store holds, with their ETags", () => {
    const kept = partsKept(session, [
      { number: 1, etag: '"e1"', size: 8 * MiB },
      { number: 3, etag: '"e3"', size: 4 * MiB + 5 },
    ]);
    assert.deepEqual([...kept], [
      [1, '"e1"'],
      [3, '"e3"'],
    ]);
  });

  it("drops a part cut off mid-way, one outside the plan and one without an ETag", () => {
    const kept = partsKept(session, [
      { number: 1, etag: '"e1"', size: 3 * MiB },
      { number: 4, etag: '"e4"', size: 8 * MiB },
      { number: 2, etag: "", size: 8 * MiB },
    ]);
    assert.equal(kept.size, 0);
  });

  it("keeps nothing when the store holds nothing", () => {
    assert.equal(partsKept(session, undefined).size, 0);
  });
});

describe("partsBytes", () => {
  it("adds up the sizes of the given parts", () => {
    assert.equal(partsBytes(session, [1, 3]), 12 * MiB + 5);
    assert.equal(partsBytes(session, new Map([[2, "x"]]).keys()), 8 * MiB);
    assert.equal(partsBytes(session, []), 0);
  });
});

describe("SpeedMeter", () => {
  it("measures bytes per second over the samples it holds", () => {
    let clock = 0;
    const meter = new SpeedMeter(() => clock);
    meter.add(0);
    assert.equal(meter.rate(), 0); // one sample says nothing
    clock = 1000;
    meter.add(2 * MiB);
    assert.equal(meter.rate(), 2 * MiB);
  });

  it("forgets samples older than five seconds and says nothing over too short a time", () => {
    let clock = 0;
    const meter = new SpeedMeter(() => clock);
    meter.add(0);
    clock = 1000;
    meter.add(10 * MiB); // a burst that no longer counts once older than the window
    clock = 7000;
    meter.add(11 * MiB);
    clock = 8000;
    meter.add(12 * MiB);
    assert.equal(meter.rate(), 1 * MiB);
    meter.reset();
    meter.add(0);
    clock = 8100;
    meter.add(MiB);
    assert.equal(meter.rate(), 0);
  });
});
