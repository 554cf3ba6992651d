// One file in the upload queue: its session, its state machine (queued, checking,
// uploading, retrying, paused, asking, finishing, done, failed, cancelled, skipped), its row in the panel,
// and the protocol calls of upload.js that move it along. The queue (upload-panel.js)
// decides when a task runs and is told through `hooks` when it changes.
import { signInUrl } from "./lib/api.js";
import { el, setProgress } from "./lib/dom.js";
import { formatBytes, formatDuration } from "./lib/format.js";
import { isRetryable } from "./lib/retry.js";
import {
  partsBytes,
  partsKept,
  uploadAbort,
  uploadComplete,
  uploadParts,
  uploadSingle,
  uploadStart,
  uploadState,
} from "./upload.js";
import { uploadForget, uploadRemember } from "./upload-store.js";
import { ASK, ON_CONFLICT, isNameTaken } from "./upload-conflict.js";
import { SpeedMeter, actionButton, uploadRow } from "./upload-row.js";

const ACTIONS_BY_STATE = {
  queued: ["pause", "cancel"],
  checking: ["cancel"],
  uploading: ["pause", "cancel"],
  retrying: ["pause", "cancel"],
  paused: ["resume", "cancel"],
  asking: [],
  finishing: [],
  done: [],
  failed: ["retry", "dismiss"],
  cancelled: [],
  skipped: [],
};
const FINAL_ERROR_CODES = new Set(["quota_exceeded", "invalid", "invalid_name", "conflict"]); // retrying cannot help
export const FINISHED_STATES = new Set(["done", "failed", "cancelled", "skipped"]);

/**
 * hooks: changed() (repaint soon), announce(text) (the panel's live region), wake() (the
 * queue may start a task), removed(task) (dismissed: drop it from the queue).
 */
export class UploadTask {
  /**
   * conflicts: the ConflictChoices of the upload this file belongs to (upload-conflict.js),
   * or null where the collection decides alone (a drop link keeps both).
   */
  constructor(file, { folderId = null, record = null, uploads, hooks, conflicts = null }) {
    this.file = file;
    this.folderId = record ? record.folder : folderId;
    this.record = record; // an interrupted upload of this file, to resume
    this.uploads = uploads;
    this.conflicts = conflicts;
    this.onConflict = record?.onConflict ?? null; // what the session starts with; chosen at its start
    this.hooks = hooks;
    this.session = null;
    this.done = new Map(); // multipart: part number -> etag
    this.sent = 0;
    this.state = "queued";
    this.message = "";
    this.error = null;
    this.controller = null;
    this.running = false;
    this.starting = false; // the start request is in flight: cancelling must wait for its session
    this.cancelRequested = false;
    this.wave = null; // the batchWave() this run starts with (upload-panel.js), if any
    this.runs = 0; // how many times the queue has started this task
    this.meter = new SpeedMeter();
    this.row = this.render();
  }

  render() {
    const { name, size } = this.file;
    const { row, bar, status, actions } = uploadRow({ name, size, barLabel: `Uploading ${name}`, data: { "data-upload-item": "" } });
    this.bar = bar;
    this.status = status;
    this.actions = actions;
    this.actions.append(
      actionButton("pause", "Pause", `Pause ${name}`),
      actionButton("resume", "Resume", `Resume ${name}`),
      actionButton("retry", "Retry", `Retry ${name}`),
      actionButton("cancel", "Cancel", `Cancel ${name}`),
      actionButton("dismiss", "Dismiss", `Dismiss ${name}`),
      el("a", { class: "btn btn-small", href: signInUrl(), "data-action": "sign-in", hidden: true }, "Sign in again"),
    );
    this.actions.addEventListener("click", (event) => {
      const action = event.target.closest("button")?.dataset.action;
      if (action) this[action]();
    });
    return row;
  }

  setState(state, message = "") {
    const changed = state !== this.state;
    this.state = state;
    this.message = message;
    if (state !== "uploading" && state !== "retrying") this.meter.reset();
    if (changed) {
      const words = { done: "uploaded", failed: `failed: ${message}`, cancelled: "cancelled", paused: "paused", skipped: "skipped" };
      if (words[state]) this.hooks.announce(`${this.file.name} ${words[state]}.`);
    }
    this.paint();
    this.hooks.changed();
  }

  progress(sent) {
    this.sent = Math.min(sent, this.file.size);
    this.meter.add(this.sent);
    if (this.state === "retrying") this.state = "uploading";
    this.hooks.changed();
  }

  retrying(error, delayMs) {
    this.setState("retrying", `Retrying in ${formatDuration(delayMs / 1000)} (${error.message})`);
  }

  doneBytes() {
    if (this.session?.strategy !== "multipart") return 0;
    return partsBytes({ ...this.session, size: this.file.size }, this.done.keys());
  }

  statusText() {
    if (this.message) return this.message;
    const { size } = this.file;
    const fixed = {
      queued: "Waiting…",
      checking: this.record ? "Asking the server what it already has…" : "Checking…",
      paused: `Paused at ${formatBytes(this.sent)} of ${formatBytes(size)}`,
      asking: "A file with this name exists: choose what to do…",
      finishing: "Finishing…",
      done: "Uploaded",
      cancelled: "Cancelled",
      skipped: "Skipped",
    }[this.state];
    if (fixed) return fixed;
    const rate = this.meter.rate();
    let text = `${formatBytes(this.sent)} of ${formatBytes(size)}`;
    if (rate > 0) text += ` · ${formatBytes(rate)}/s · ${formatDuration((size - this.sent) / rate)} left`;
    return text;
  }

  paint() {
    const { size } = this.file;
    const fraction = this.state === "done" ? 1 : size ? this.sent / size : 0;
    this.status.textContent = this.statusText();
    if (this.state === "failed") this.status.setAttribute("role", "alert");
    else this.status.removeAttribute("role");
    this.row.dataset.state = this.state;
    setProgress(this.bar, fraction, this.state);
    const shown = new Set(ACTIONS_BY_STATE[this.state] ?? []);
    if (this.state === "failed" && (FINAL_ERROR_CODES.has(this.error?.code) || this.error?.isSignedOut)) shown.delete("retry");
    if (this.state === "failed" && this.error?.isSignedOut) shown.add("sign-in");
    for (const control of this.actions.querySelectorAll("[data-action]")) control.hidden = !shown.has(control.dataset.action);
  }

  // Runs the upload from wherever it stands; the queue calls it through start().
  async run() {
    this.controller = new AbortController();
    const { signal } = this.controller;
    const { uploads } = this;
    try {
      if (!this.session) await this.prepare(signal);
      if (this.state === "done") return;
      this.setState("uploading");
      const common = {
        uploads,
        signal,
        onProgress: (sent) => this.progress(sent),
        onRetry: (error, attempt, delay) => this.retrying(error, delay),
      };
      let parts = [];
      if (this.session.strategy === "multipart") {
        parts = await uploadParts(this.file, this.session, { ...common, done: this.done });
      } else {
        await this.sendSingle(common);
      }
      this.setState("finishing");
      this.hooks.wake(); // its PUT is done: the queue may start the next files meanwhile
      const file = await uploadComplete(this.session.id, parts, { uploads, signal });
      uploadForget(this.session.id);
      this.sent = this.file.size;
      this.setState("done");
      document.dispatchEvent(
        new CustomEvent("kosha:uploaded", { detail: { file, folderId: this.folderId, name: file?.name ?? this.file.name } }),
      );
    } catch (error) {
      if (error.name === "AbortError") return; // pause() or cancel() already set the state
      if (this.conflicts && this.onConflict === ASK && isNameTaken(error)) return this.askConflict();
      this.fail(error);
    }
    return undefined;
  }

  // The name is taken and the user has not chosen yet: the start reserved nothing (or the
  // complete ended the session and gave its reservation back). Ask, then start again.
  async askConflict() {
    if (this.session) uploadForget(this.session.id);
    this.session = null;
    this.done.clear();
    this.sent = 0;
    this.setState("asking");
    const choice = await this.conflicts.choose(this.file.name);
    if (this.state !== "asking") return; // cancelled meanwhile
    if (choice === "skip") return this.setState("skipped");
    this.onConflict = ON_CONFLICT[choice];
    return this.setState("queued"); // the queue starts it again, with the choice
  }

  // Find the session to continue (after a reload) or start a new one.
  async prepare(signal) {
    this.setState("checking");
    if (this.record) {
      const { id } = this.record;
      const state = await uploadState(id, { uploads: this.uploads, signal }).catch((error) => {
        if (error.status === 404) return null;
        throw error;
      });
      this.record = null;
      if (state?.status === "pending" && state.strategy === "multipart") {
        this.session = { id, strategy: "multipart", part_size: state.part_size, part_count: state.part_count };
        this.onConflict = state.on_conflict ?? this.onConflict; // as the session was started
        this.done = partsKept({ ...this.session, size: this.file.size }, state.parts);
        this.sent = this.doneBytes();
        return;
      }
      if (state?.status === "completed") {
        uploadForget(id);
        this.sent = this.file.size;
        this.setState("done", "Already uploaded");
        return;
      }
      // A single PUT cannot continue halfway, and its URL has expired by now: start over.
      uploadForget(id);
      if (state?.status === "pending") await uploadAbort(id, { uploads: this.uploads }).catch(() => {});
    }
    this.starting = true;
    this.onConflict ??= this.conflicts?.startPolicy() ?? null;
    let session;
    try {
      const { wave } = this;
      this.wave = null; // a second start (an expired URL, a conflict's choice) goes on its own
      session = await uploadStart(this.file, { folder: this.folderId, uploads: this.uploads, onConflict: this.onConflict, wave });
    } finally {
      this.starting = false;
    }
    if (this.cancelRequested) {
      uploadAbort(session.id, { uploads: this.uploads }).catch(() => {});
      throw new DOMException("Upload cancelled", "AbortError");
    }
    this.session = session;
    const { uploads, onConflict } = this;
    uploadRemember({ id: session.id, file: this.file, folder: this.folderId, strategy: session.strategy, uploads, onConflict });
  }

  async sendSingle(common) {
    try {
      await uploadSingle(this.file, this.session, common);
    } catch (error) {
      if (error.code !== "store" || error.status !== 403) throw error;
      // The single PUT URL lives a minute, so after a long pause it has expired: start a new session.
      const old = this.session.id;
      this.session = null;
      uploadForget(old);
      uploadAbort(old, { uploads: this.uploads }).catch(() => {});
      await this.prepare(common.signal);
      this.setState("uploading");
      await uploadSingle(this.file, this.session, common);
    }
  }

  fail(error) {
    this.error = error;
    // The session cannot go on (gone, refused, or verified wrong and cleaned up by the server):
    // a retry starts a new one.
    if (this.session && [404, 409, 410, 422].includes(error.status)) {
      uploadForget(this.session.id);
      this.session = null;
      this.done.clear();
    }
    this.sent = this.doneBytes();
    let hint = "";
    if (error.isSignedOut) hint = " Sign in again, then choose the file again to continue.";
    else if (isRetryable(error)) hint = " Retry when the connection is back.";
    this.setState("failed", error.message + hint);
  }

  pause() {
    if (this.state === "queued") return this.setState("paused");
    if (this.state !== "uploading" && this.state !== "retrying") return undefined;
    this.setState("paused");
    this.controller?.abort();
    this.sent = this.doneBytes(); // parts cut off mid-way are sent again
    this.paint();
    return undefined;
  }

  resume() {
    if (this.state !== "paused") return;
    this.setState("queued");
    this.hooks.wake();
  }

  retry() {
    if (this.state !== "failed") return;
    this.error = null;
    this.setState("queued");
    this.hooks.wake();
  }

  cancel() {
    if (["done", "cancelled", "finishing", "skipped"].includes(this.state)) return;
    this.setState("cancelled");
    if (this.starting) {
      this.cancelRequested = true; // let the start answer arrive, then abort that session
      return;
    }
    this.controller?.abort();
    const id = this.session?.id ?? this.record?.id;
    if (id) {
      uploadForget(id);
      uploadAbort(id, { uploads: this.uploads }).catch(() => {});
    }
    this.hooks.wake();
  }

  dismiss() {
    if (this.state === "failed" && this.session) {
      uploadForget(this.session.id);
      uploadAbort(this.session.id, { uploads: this.uploads }).catch(() => {});
    }
    this.state = "cancelled";
    this.row.remove();
    this.hooks.removed(this);
  }

  /** Run the task; `wave` is the batchWave() its start belongs to (small files), or null. */
  start({ wave = null } = {}) {
    this.wave = wave;
    this.runs += 1;
    this.running = true;
    this.run().finally(() => {
      this.running = false;
      this.hooks.wake();
    });
  }
}
