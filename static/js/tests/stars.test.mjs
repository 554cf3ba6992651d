// node --test: what the browser's Star / Unstar does to a selection (browser/state.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { starPlan } from "../browser/state.js";

const item = (id, starred) => ({ id, kind: "file", starred });

describe("starPlan", () => {
  it("stars only the unstarred items of a mixed selection", () => {
    const plan = starPlan([item("a", true), item("b", false), item("c", false)]);
    assert.equal(plan.unstar, false);
    assert.deepEqual(
      plan.targets.map((entry) => entry.id),
      ["b", "c"],
    );
  });

  it("unstars when every selected item is starred", () => {
    const plan = starPlan([item("a", true), item("b", true)]);
    assert.equal(plan.unstar, true);
    assert.equal(plan.targets.length, 2);
  });

  it("does nothing for an empty selection", () => {
    assert.deepEqual(starPlan([]), { unstar: false, targets: [] });
  });
});
