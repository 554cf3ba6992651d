// node --test: the choices of an upload whose names are taken (upload-conflict.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ApiError } from "../lib/api.js";
import { entryError } from "../upload-batch.js";
import { ASK, ConflictChoices, isNameTaken } from "../upload-conflict.js";

// An ask() that answers from `answers` in turn, recording the names asked about and how
// many questions were open at once.
function asker(answers) {
  const asked = [];
  let open = 0;
  let mostOpen = 0;
  const ask = async (name) => {
    asked.push(name);
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    await new Promise((resolve) => setTimeout(resolve, 2));
    open -= 1;
    return answers.shift();
  };
  return { ask, asked, mostOpen: () => mostOpen };
}

describe("isNameTaken", () => {
  it("is true for the 409 of a taken file name, from a single start or a batch entry", () => {
    const single = new ApiError("A file with this name already exists here.", { code: "conflict", status: 409, details: { reason: "name_taken" } });
    const entry = entryError({ status: 409, error: { code: "conflict", message: "taken", reason: "name_taken" } });

    assert.equal(isNameTaken(single), true);
    assert.equal(isNameTaken(entry), true);
  });

  it("is false for a folder holding the name, other conflicts and other errors", () => {
    const byFolder = entryError({ status: 409, error: { code: "conflict", message: "folder", reason: "name_taken_by_folder" } });
    const quota = new ApiError("full", { code: "quota_exceeded", status: 413 });

    assert.equal(isNameTaken(byFolder), false);
    assert.equal(isNameTaken(quota), false);
    assert.equal(isNameTaken(new Error("network")), false);
    assert.equal(isNameTaken(undefined), false);
  });
});

describe("ConflictChoices", () => {
  it("starts files with ASK until a choice is made for all, then with that choice", async () => {
    const { ask } = asker([{ choice: "keep", all: true }]);
    const choices = new ConflictChoices(ask);

    assert.equal(choices.startPolicy(), ASK);
    await choices.choose("a.txt");

    assert.equal(choices.startPolicy(), "rename");
  });

  it("asks once for N conflicts when the first answer applies to all", async () => {
    const { ask, asked, mostOpen } = asker([{ choice: "replace", all: true }]);
    const choices = new ConflictChoices(ask);

    const answers = await Promise.all(["a.txt", "b.txt", "c.txt", "d.txt"].map((name) => choices.choose(name)));

    assert.deepEqual(answers, ["replace", "replace", "replace", "replace"]);
    assert.deepEqual(asked, ["a.txt"]);
    assert.equal(mostOpen(), 1);
    assert.equal(choices.startPolicy(), "version");
  });

  it("asks for each file in turn, one question at a time, when no answer applies to all", async () => {
    const { ask, asked, mostOpen } = asker([
      { choice: "replace", all: false },
      { choice: "skip", all: false },
      { choice: "keep", all: false },
    ]);
    const choices = new ConflictChoices(ask);

    const answers = await Promise.all(["a.txt", "b.txt", "c.txt"].map((name) => choices.choose(name)));

    assert.deepEqual(answers, ["replace", "skip", "keep"]);
    assert.deepEqual(asked, ["a.txt", "b.txt", "c.txt"]);
    assert.equal(mostOpen(), 1);
    assert.equal(choices.startPolicy(), ASK);
  });

  it("skips the rest without asking after 'skip' for all, but new files still start with ASK", async () => {
    const { ask, asked } = asker([{ choice: "skip", all: true }]);
    const choices = new ConflictChoices(ask);

    const answers = await Promise.all(["a.txt", "b.txt"].map((name) => choices.choose(name)));

    assert.deepEqual(answers, ["skip", "skip"]);
    assert.deepEqual(asked, ["a.txt"]);
    // A file whose name is free must still upload: it starts asking the server, not skipped.
    assert.equal(choices.startPolicy(), ASK);
  });

  it("tells the question whether the upload holds more than one file", async () => {
    const seen = [];
    const choices = new ConflictChoices(async (name, { many }) => {
      seen.push([name, many]);
      return { choice: "keep", all: false };
    });

    choices.add(1);
    await choices.choose("a.txt");
    choices.add(2); // a dropped folder's next folder joins the same upload
    await choices.choose("b.txt");

    assert.deepEqual(seen, [["a.txt", false], ["b.txt", true]]);
  });

  it("answers skip for a file whose question failed, and goes on asking for the next", async () => {
    let calls = 0;
    const choices = new ConflictChoices(async () => {
      calls += 1;
      if (calls === 1) throw new Error("no dialog");
      return { choice: "keep", all: false };
    });

    const answers = await Promise.all([choices.choose("a.txt"), choices.choose("b.txt")]);

    assert.deepEqual(answers, ["skip", "keep"]);
  });
});
