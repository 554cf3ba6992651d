// What an upload does when its folder already holds a file of its name: the user chooses
// "Replace" (a new version of that file), "Keep both" (the server names the new one
// "name (2).ext") or "Skip", and may apply the choice to the rest of the upload (a file
// chooser's files, a drop, an Upload folder), as Dropbox and Google Drive ask.
//
// The server decides whether a name is taken: a file starts with on_conflict "fail" (no
// choice made yet), the start (or, if the name was taken meanwhile, the complete) answers
// 409 with reason "name_taken", and the task asks here, then starts again with the choice.
// A start that fails this way reserves nothing, so a skipped file leaves nothing behind.
import { choiceDialog } from "./lib/choice.js";

/** The on_conflict a start sends for each choice; "skip" sends nothing. */
export const ON_CONFLICT = { replace: "version", keep: "rename" };
/** The on_conflict of a file whose user has not chosen yet: the server answers 409. */
export const ASK = "fail";

/** Whether `error` (an ApiError) says a live file already has the upload's name. */
export function isNameTaken(error) {
  return error?.status === 409 && error.details?.reason === "name_taken";
}

/**
 * The choices of one upload (one batch of files, a drop, a folder): one question at a
 * time, and a choice made "for all" answers the rest without asking.
 * ask(name, { many }) resolves with { choice: "replace" | "keep" | "skip", all: boolean };
 * `many` says whether the upload holds more than one file (else "for all" means nothing).
 */
export class ConflictChoices {
  constructor(ask = askConflict) {
    this.ask = ask;
    this.remembered = null; // the choice made for all, once made
    this.queue = Promise.resolve(); // the question being asked: the next waits for it
    this.files = 0; // how many files the upload holds so far
  }

  /** Count `count` more files in this upload (a dropped folder is queued in several calls). */
  add(count) {
    this.files += count;
  }

  /** The on_conflict a new start of this upload sends: the choice made for all, or ASK. */
  startPolicy() {
    return ON_CONFLICT[this.remembered] ?? ASK;
  }

  /** Resolves with the choice for the file `name`, whose name is taken. Never rejects. */
  choose(name) {
    const answer = this.queue.then(async () => {
      if (this.remembered) return this.remembered;
      const { choice, all } = await this.ask(name, { many: this.files > 1 });
      if (all) this.remembered = choice;
      return choice;
    });
    this.queue = answer.catch(() => {});
    return answer.catch(() => "skip");
  }
}

// One dialog on the page at a time, also across uploads (a second drop while a question is open).
let dialogs = Promise.resolve();

/**
 * The dialog for one taken name, after any other upload's open question; Escape skips that
 * file only. `many`: offer "Apply to all" (not for an upload of one file).
 */
export function askConflict(name, { many = true } = {}) {
  const answer = dialogs.then(() => conflictDialog(name, many));
  dialogs = answer.catch(() => {});
  return answer;
}

async function conflictDialog(name, many) {
  const { value, checked } = await choiceDialog({
    title: `“${name}” already exists`,
    body: `This folder already has a file named “${name}”. Replace it (the current file is kept as an earlier version), keep both (the new file gets a new name), or skip it?`,
    choices: [
      { value: "replace", label: "Replace (new version)", primary: true },
      { value: "keep", label: "Keep both" },
      { value: "skip", label: "Skip" },
    ],
    check: many ? "Apply to all remaining conflicts in this upload" : null,
    cancel: "skip",
  });
  return { choice: value, all: checked };
}
