// The upload panel: a queue of files with per-file and overall progress, speed and time
// left, pause / resume / cancel, automatic retries, and resuming after a reload or a
// browser restart (the user chooses the file again; the server says which parts it holds).
//
// For other pages:
//   import { enqueueUploads } from "/static/js/upload-panel.js";
//   enqueueUploads(fileList, { folderId: "uuid" | null });
// or mark an element `data-upload-drop data-folder="uuid"` and drops on it are queued here
// (do one or the other: a drop handler that calls preventDefault() is left alone).
// When a file is stored, `kosha:uploaded` is dispatched on document with
// detail { file (the API's file), folderId, name }.
import {
  isRetryable,
  partBytes,
  uploadAbort,
  uploadComplete,
  uploadParts,
  uploadSingle,
  uploadStart,
  uploadState,
} from "./upload.js";
import { recordMatchesFile, uploadForget, uploadRecords, uploadRemember } from "./upload-store.js";

const FILES_AT_ONCE = 2; // each multipart file already sends several parts in parallel
const SPEED_WINDOW_MS = 5_000;
const RENDER_EVERY_MS = 150;

const tasks = [];
const offers = new Map(); // upload id -> { record, row } for interrupted uploads
let panel = null;
let renderTimer = null;

// --- formatting ---------------------------------------------------------------------------

export function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function setBar(bar, fraction, label) {
  const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-valuetext", label ? `${percent}%, ${label}` : `${percent}%`);
  bar.firstElementChild.style.width = `${percent}%`;
}

function progressBar(label) {
  const bar = el("div", {
    class: "upload-bar",
    role: "progressbar",
    "aria-label": label,
    "aria-valuemin": "0",
    "aria-valuemax": "100",
    "aria-valuenow": "0",
  });
  bar.append(el("div", { class: "upload-bar__fill" }));
  return bar;
}

function button(action, text, label) {
  return el("button", { type: "button", class: "btn btn-small btn-secondary", "data-action": action, "aria-label": label }, text);
}

// --- speed --------------------------------------------------------------------------------

class SpeedMeter {
  constructor() {
    this.samples = [];
  }

  add(bytes) {
    const now = performance.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) this.samples.shift();
  }

  reset() {
    this.samples = [];
  }

  /** Bytes per second over the last few seconds; 0 until there is enough to say. */
  rate() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 - t0 < 300 ? 0 : Math.max(0, ((b1 - b0) * 1000) / (t1 - t0));
  }
}

// --- one file -----------------------------------------------------------------------------

const ACTIONS_BY_STATE = {
  queued: ["pause", "cancel"],
  checking: ["cancel"],
  uploading: ["pause", "cancel"],
  retrying: ["pause", "cancel"],
  paused: ["resume", "cancel"],
  finishing: [],
  done: [],
  failed: ["retry", "dismiss"],
  cancelled: [],
};
const FINAL_ERROR_CODES = new Set(["quota_exceeded", "invalid", "invalid_name", "conflict"]); // retrying cannot help

class UploadTask {
  constructor(file, { folderId = null, record = null, base }) {
    this.file = file;
    this.folderId = record ? record.folder : folderId;
    this.record = record; // an interrupted upload of this file, to resume
    this.base = base;
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
    this.meter = new SpeedMeter();
    this.row = this.render();
  }

  render() {
    const { name } = this.file;
    const row = el("li", { class: "upload-item", "data-upload-item": "", "data-name": name });
    const top = el("div", { class: "upload-item__top" });
    top.append(el("span", { class: "upload-item__name", title: name }, name), el("span", { class: "upload-item__size muted" }, formatBytes(this.file.size)));
    this.bar = progressBar(`Uploading ${name}`);
    const bottom = el("div", { class: "upload-item__bottom" });
    this.status = el("span", { class: "upload-item__status", "data-upload-status": "" });
    this.actions = el("span", { class: "upload-item__actions" });
    this.actions.append(
      button("pause", "Pause", `Pause ${name}`),
      button("resume", "Resume", `Resume ${name}`),
      button("retry", "Retry", `Retry ${name}`),
      button("cancel", "Cancel", `Cancel ${name}`),
      button("dismiss", "Dismiss", `Dismiss ${name}`),
    );
    this.actions.addEventListener("click", (event) => {
      const action = event.target.closest("button")?.dataset.action;
      if (action) this[action]();
    });
    bottom.append(this.status, this.actions);
    row.append(top, this.bar, bottom);
    return row;
  }

  setState(state, message = "") {
    const changed = state !== this.state;
    this.state = state;
    this.message = message;
    if (state !== "uploading" && state !== "retrying") this.meter.reset();
    if (changed) {
      const words = { done: "uploaded", failed: `failed: ${message}`, cancelled: "cancelled", paused: "paused" };
      if (words[state]) announce(`${this.file.name} ${words[state]}.`);
    }
    this.paint();
    scheduleRender();
  }

  progress(sent) {
    this.sent = Math.min(sent, this.file.size);
    this.meter.add(this.sent);
    if (this.state === "retrying") this.state = "uploading";
    scheduleRender();
  }

  retrying(error, delayMs) {
    this.setState("retrying", `Retrying in ${formatDuration(delayMs / 1000)} (${error.message})`);
  }

  doneBytes() {
    if (this.session?.strategy !== "multipart") return 0;
    const sizes = { ...this.session, size: this.file.size };
    return [...this.done.keys()].reduce((sum, number) => sum + partBytes(sizes, number), 0);
  }

  paint() {
    const { size } = this.file;
    const fraction = this.state === "done" ? 1 : size ? this.sent / size : 0;
    const rate = this.meter.rate();
    let text = this.message;
    if (!text) {
      text = {
        queued: "Waiting…",
        checking: this.record ? "Asking the server what it already has…" : "Checking…",
        paused: `Paused at ${formatBytes(this.sent)} of ${formatBytes(size)}`,
        finishing: "Finishing…",
        done: "Uploaded",
        cancelled: "Cancelled",
      }[this.state];
    }
    if (!text) {
      text = `${formatBytes(this.sent)} of ${formatBytes(size)}`;
      if (rate > 0) text += ` · ${formatBytes(rate)}/s · ${formatDuration((size - this.sent) / rate)} left`;
    }
    this.status.textContent = text;
    this.status.toggleAttribute("role", this.state === "failed");
    if (this.state === "failed") this.status.setAttribute("role", "alert");
    this.row.dataset.state = this.state;
    setBar(this.bar, fraction, this.state);
    const shown = new Set(ACTIONS_BY_STATE[this.state] ?? []);
    if (this.state === "failed" && FINAL_ERROR_CODES.has(this.error?.code)) shown.delete("retry");
    for (const control of this.actions.querySelectorAll("button")) control.hidden = !shown.has(control.dataset.action);
  }

  // Runs the upload from wherever it stands; the scheduler calls it.
  async run() {
    this.controller = new AbortController();
    const { signal } = this.controller;
    const { base } = this;
    try {
      if (!this.session) await this.prepare(signal);
      if (this.state === "done") return;
      this.setState("uploading");
      const common = {
        base,
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
      const file = await uploadComplete(this.session.id, parts, { base, signal });
      uploadForget(this.session.id);
      this.sent = this.file.size;
      this.setState("done");
      document.dispatchEvent(
        new CustomEvent("kosha:uploaded", { detail: { file, folderId: this.folderId, name: file?.name ?? this.file.name } }),
      );
    } catch (error) {
      if (error.name === "AbortError") return; // pause() or cancel() already set the state
      this.fail(error);
    }
  }

  // Find the session to continue (after a reload) or start a new one.
  async prepare(signal) {
    this.setState("checking");
    if (this.record) {
      const { id } = this.record;
      const state = await uploadState(id, { base: this.base, signal }).catch((error) => {
        if (error.status === 404) return null;
        throw error;
      });
      this.record = null;
      if (state?.status === "pending" && state.strategy === "multipart") {
        this.session = { id, strategy: "multipart", part_size: state.part_size, part_count: state.part_count };
        const sizes = { ...this.session, size: this.file.size };
        // Only whole parts count; the store keeps nothing of a part that was cut off.
        for (const part of state.parts ?? []) {
          if (part.size === partBytes(sizes, part.number)) this.done.set(part.number, part.etag);
        }
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
      if (state?.status === "pending") await uploadAbort(id, { base: this.base }).catch(() => {});
    }
    this.starting = true;
    let session;
    try {
      session = await uploadStart(this.file, { folder: this.folderId, base: this.base });
    } finally {
      this.starting = false;
    }
    if (this.cancelRequested) {
      uploadAbort(session.id, { base: this.base }).catch(() => {});
      throw new DOMException("Upload cancelled", "AbortError");
    }
    this.session = session;
    uploadRemember({ id: session.id, file: this.file, folder: this.folderId, strategy: session.strategy });
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
      uploadAbort(old, { base: this.base }).catch(() => {});
      await this.prepare(common.signal);
      this.setState("uploading");
      await uploadSingle(this.file, this.session, common);
    }
  }

  fail(error) {
    this.error = error;
    // The session cannot go on (gone, refused, or verified wrong and cleaned up by the server):
    // a retry starts a new one.
    if (this.session && (error.status === 404 || error.status === 409 || error.status === 410 || error.status === 422)) {
      uploadForget(this.session.id);
      this.session = null;
      this.done.clear();
    }
    this.sent = this.doneBytes();
    const hint = isRetryable(error) ? " Retry when the connection is back." : "";
    this.setState("failed", error.message + hint);
  }

  pause() {
    if (this.state === "queued") return this.setState("paused");
    if (this.state !== "uploading" && this.state !== "retrying") return;
    this.setState("paused");
    this.controller?.abort();
    this.sent = this.doneBytes(); // parts cut off mid-way are sent again
    this.paint();
  }

  resume() {
    if (this.state !== "paused") return;
    this.setState("queued");
    pump();
  }

  retry() {
    if (this.state !== "failed") return;
    this.error = null;
    this.setState("queued");
    pump();
  }

  cancel() {
    if (["done", "cancelled", "finishing"].includes(this.state)) return;
    this.setState("cancelled");
    if (this.starting) {
      this.cancelRequested = true; // let the start answer arrive, then abort that session
      return;
    }
    this.controller?.abort();
    const id = this.session?.id ?? this.record?.id;
    if (id) {
      uploadForget(id);
      uploadAbort(id, { base: this.base }).catch(() => {});
    }
    pump();
  }

  dismiss() {
    if (this.state === "failed" && this.session) {
      uploadForget(this.session.id);
      uploadAbort(this.session.id, { base: this.base }).catch(() => {});
    }
    this.state = "cancelled";
    this.row.remove();
    tasks.splice(tasks.indexOf(this), 1);
    scheduleRender();
  }

  start() {
    this.running = true;
    this.run().finally(() => {
      this.running = false;
      pump();
    });
  }
}

// --- the queue ----------------------------------------------------------------------------

function pump() {
  let active = tasks.filter((task) => task.running).length;
  for (const task of tasks) {
    if (active >= FILES_AT_ONCE) break;
    if (task.state === "queued" && !task.running) {
      active += 1;
      task.start();
    }
  }
  scheduleRender();
}

/**
 * Queue files (a FileList or an array of File) for upload into folderId (null: the root).
 * A file that matches an interrupted upload in the same folder (same name, size and
 * modification time) resumes it instead of starting over.
 */
export function enqueueUploads(files, { folderId = null } = {}) {
  const ui = ensurePanel();
  const added = [];
  for (const file of files) {
    const offer = [...offers.values()].find(
      ({ record }) => recordMatchesFile(record, file) && (record.folder || null) === (folderId || null),
    );
    if (offer) {
      offers.delete(offer.record.id);
      offer.row.remove();
    }
    const task = new UploadTask(file, { folderId, record: offer?.record ?? null, base: ui.base });
    tasks.push(task);
    ui.list.append(task.row);
    task.paint();
    added.push(task);
  }
  ui.root.hidden = false;
  pump();
  return added.length;
}

function activeTasks() {
  return tasks.filter((task) => !["done", "failed", "cancelled"].includes(task.state));
}

// --- the panel ----------------------------------------------------------------------------

function ensurePanel() {
  if (panel) return panel;
  let root = document.querySelector("[data-upload-panel]");
  if (!root) {
    root = el("section", { class: "upload-panel", "data-upload-panel": "" });
    document.body.append(root);
  }
  root.setAttribute("aria-labelledby", "upload-panel-heading");
  root.replaceChildren();
  const head = el("div", { class: "upload-panel__head" });
  const heading = el("h2", { id: "upload-panel-heading", class: "upload-panel__title" }, "Uploads");
  const toggle = el("button", { type: "button", class: "link-button", "aria-expanded": "true", "aria-controls": "upload-panel-body" }, "Hide");
  const clear = el("button", { type: "button", class: "link-button", "data-upload-clear": "" }, "Clear finished");
  head.append(heading, clear, toggle);
  const body = el("div", { id: "upload-panel-body", class: "upload-panel__body" });
  const summary = el("p", { class: "upload-panel__summary", "data-upload-summary": "" });
  const overall = progressBar("All uploads");
  overall.dataset.uploadOverall = "";
  const list = el("ul", { class: "upload-panel__list", "data-upload-items": "", "aria-label": "Files being uploaded" });
  const resumables = el("ul", { class: "upload-panel__list", "data-upload-resumables": "", "aria-label": "Interrupted uploads" });
  const announcer = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite", "data-upload-announcer": "" });
  const resumeInput = el("input", { type: "file", class: "visually-hidden", tabindex: "-1", "aria-hidden": "true", "data-upload-resume-input": "" });
  body.append(summary, overall, list, resumables);
  root.append(head, body, announcer, resumeInput);

  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide" : "Show";
    body.hidden = !open;
  });
  clear.addEventListener("click", () => {
    for (const task of [...tasks]) if (task.state === "done" || task.state === "cancelled") task.dismiss();
    if (!tasks.length && !offers.size) root.hidden = true;
  });
  resumeInput.addEventListener("change", () => {
    const offer = offers.get(resumeInput.dataset.uploadId);
    const file = resumeInput.files[0];
    resumeInput.value = "";
    if (!offer || !file) return;
    if (!recordMatchesFile(offer.record, file)) {
      const status = offer.row.querySelector("[data-upload-status]");
      status.setAttribute("role", "alert");
      status.textContent = `“${file.name}” is not the file that was being uploaded. Choose “${offer.record.name}” (${formatBytes(offer.record.size)}), unchanged since.`;
      return;
    }
    enqueueUploads([file], { folderId: offer.record.folder });
  });

  panel = { root, base: root.dataset.apiBase || "/api/v1/", list, resumables, summary, overall, announcer, resumeInput, clear };
  return panel;
}

function announce(text) {
  if (!panel) return;
  panel.announcer.textContent = text;
}

function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    renderAll();
  }, RENDER_EVERY_MS);
}

function renderAll() {
  if (!panel) return;
  for (const task of tasks) task.paint();
  const counted = tasks.filter((task) => task.state !== "cancelled");
  const total = counted.reduce((sum, task) => sum + task.file.size, 0);
  const sent = counted.reduce((sum, task) => sum + (task.state === "done" ? task.file.size : task.sent), 0);
  const active = activeTasks();
  const rate = active.reduce((sum, task) => sum + task.meter.rate(), 0);
  const done = counted.filter((task) => task.state === "done").length;
  const failed = counted.filter((task) => task.state === "failed").length;
  let text;
  if (active.length) {
    text = `Uploading ${active.length} ${active.length === 1 ? "file" : "files"} · ${formatBytes(sent)} of ${formatBytes(total)}`;
    if (rate > 0) {
      const left = active.reduce((sum, task) => sum + task.file.size - task.sent, 0);
      text += ` · ${formatBytes(rate)}/s · ${formatDuration(left / rate)} left`;
    }
  } else if (counted.length) {
    text = `${done} of ${counted.length} uploaded${failed ? ` · ${failed} failed` : ""}`;
  } else {
    text = offers.size ? "Some uploads were interrupted." : "";
  }
  panel.summary.textContent = text;
  panel.overall.hidden = !counted.length;
  setBar(panel.overall, total ? sent / total : 0, active.length ? "uploading" : "done");
  panel.clear.hidden = !tasks.some((task) => task.state === "done" || task.state === "cancelled");
}

// --- interrupted uploads (reload, crash, browser restart) -----------------------------------

function offerRow(record, state) {
  const row = el("li", { class: "upload-item upload-item--interrupted", "data-upload-resumable": "", "data-name": record.name });
  const top = el("div", { class: "upload-item__top" });
  top.append(el("span", { class: "upload-item__name", title: record.name }, record.name), el("span", { class: "upload-item__size muted" }, formatBytes(record.size)));
  const bar = progressBar(`Stored so far of ${record.name}`);
  const stored = (state.parts ?? []).reduce((sum, part) => sum + part.size, 0);
  setBar(bar, record.size ? stored / record.size : 0, "interrupted");
  const bottom = el("div", { class: "upload-item__bottom" });
  const partsNote = state.strategy === "multipart" ? ` ${state.parts?.length ?? 0} of ${state.part_count} parts are stored.` : "";
  const status = el("span", { class: "upload-item__status", "data-upload-status": "" }, `Interrupted.${partsNote} Choose the same file to continue.`);
  const actions = el("span", { class: "upload-item__actions" });
  const resume = el("button", { type: "button", class: "btn btn-small", "aria-label": `Resume ${record.name} — choose the file again` }, "Resume — choose the file again");
  const discard = button("discard", "Discard", `Discard the interrupted upload of ${record.name}`);
  actions.append(resume, discard);
  bottom.append(status, actions);
  row.append(top, bar, bottom);
  resume.addEventListener("click", () => {
    panel.resumeInput.dataset.uploadId = record.id;
    panel.resumeInput.click();
  });
  discard.addEventListener("click", () => {
    offers.delete(record.id);
    uploadForget(record.id);
    uploadAbort(record.id, { base: panel.base }).catch(() => {});
    row.remove();
    announce(`Discarded the upload of ${record.name}.`);
    scheduleRender();
  });
  return row;
}

async function offerResumes() {
  const ui = ensurePanel();
  const records = uploadRecords();
  const states = await Promise.all(
    records.map((record) => uploadState(record.id, { base: ui.base }).catch((error) => ({ error }))),
  );
  records.forEach((record, index) => {
    const state = states[index];
    if (state.error) {
      // Not ours (another account signed in here) or gone: forget it. Network trouble: keep it.
      if (state.error.status >= 400 && state.error.status < 500) uploadForget(record.id);
      return;
    }
    if (state.status !== "pending") return uploadForget(record.id);
    if (tasks.some((task) => task.session?.id === record.id) || offers.has(record.id)) return;
    const row = offerRow(record, state);
    offers.set(record.id, { record, row });
    ui.resumables.append(row);
    ui.root.hidden = false;
  });
  if (offers.size) announce(`${offers.size} interrupted ${offers.size === 1 ? "upload" : "uploads"} can be resumed.`);
  scheduleRender();
}

// --- drops and leaving the page -------------------------------------------------------------

function dropZone(event) {
  const zone = event.target instanceof Element ? event.target.closest("[data-upload-drop]") : null;
  return zone && [...(event.dataTransfer?.types ?? [])].includes("Files") ? zone : null;
}

function droppedFiles(dataTransfer) {
  const files = [];
  let folders = 0;
  for (const item of dataTransfer.items ?? []) {
    if (item.kind !== "file") continue;
    if (item.webkitGetAsEntry?.()?.isDirectory) {
      folders += 1;
      continue;
    }
    const file = item.getAsFile();
    if (file) files.push(file);
  }
  if (!files.length && !folders) files.push(...(dataTransfer.files ?? []));
  if (folders) announce("Folders cannot be dropped yet; drop the files inside them.");
  return files;
}

document.addEventListener("dragover", (event) => {
  const zone = dropZone(event);
  if (!zone) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  zone.classList.add("is-drop-target");
});
document.addEventListener("dragleave", (event) => {
  const zone = dropZone(event);
  if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-drop-target");
});
document.addEventListener("drop", (event) => {
  const zone = dropZone(event);
  zone?.classList.remove("is-drop-target");
  if (!zone || event.defaultPrevented) return; // another handler took this drop
  event.preventDefault();
  const files = droppedFiles(event.dataTransfer);
  if (files.length) enqueueUploads(files, { folderId: zone.dataset.folder || null });
});

window.addEventListener("beforeunload", (event) => {
  // Multipart uploads resume after a reload, but only once the user chooses the files again.
  if (!activeTasks().some((task) => task.state !== "paused")) return;
  event.preventDefault();
  event.returnValue = "";
});

if (document.querySelector("[data-upload-panel]")) {
  ensurePanel().root.hidden = true;
  offerResumes();
}
