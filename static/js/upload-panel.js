// The upload panel: a queue of files (upload-task.js) with per-file and overall progress,
// speed and time left, pause / resume / cancel, automatic retries, and resuming after a
// reload or a browser restart (the user chooses the file again; the server says which
// parts it holds).
//
// A page includes templates/uploads/_panel.html (a <section data-upload-panel
// data-uploads-url="...">) and, from its entry point in pages/, calls installUploadPanel().
// Then: enqueueUploads(fileList, { folderId: "uuid" | null, conflicts }); or mark an element
// `data-upload-drop data-folder="uuid"` and drops on it are queued here (a drop handler
// that calls preventDefault() first is left alone). When a file is stored,
// `kosha:uploaded` is dispatched on document with detail { file, folderId, name }.
import { el, progressBar, setProgress } from "./lib/dom.js";
import { countOf, formatBytes, formatDuration } from "./lib/format.js";
import { UPLOADS_URL, choosesOnConflict, uploadAbort, uploadState } from "./upload.js";
import { batchWave, batchable } from "./upload-batch.js";
import { ConflictChoices } from "./upload-conflict.js";
import { recordMatchesFile, uploadForget, uploadRecords } from "./upload-store.js";
import { actionButton, uploadRow } from "./upload-row.js";
import { FINISHED_STATES, UploadTask } from "./upload-task.js";

const FILES_AT_ONCE = 2; // each multipart file already sends several parts in parallel
const SMALL_FILES_AT_ONCE = 100;
const SMALL_BYTES_AT_ONCE = 32 * 1024 * 1024;
const RENDER_EVERY_MS = 150;

const tasks = [];
const offers = new Map(); // upload id -> { record, row } for interrupted uploads
let panel = null;
let renderTimer = null;

const hooks = {
  changed: () => scheduleRender(),
  announce: (text) => announce(text),
  wake: () => pump(),
  removed: (task) => {
    tasks.splice(tasks.indexOf(task), 1);
    scheduleRender();
  },
};

// --- the queue ----------------------------------------------------------------------------

// Small files go in batches (upload-batch.js): many run at once, so that their starts and
// completes share requests. The bytes they have in flight stay bounded, so that a PUT
// waiting for one of the browser's few connections to the store does not outlive its URL.
// A file whose PUT is done ("finishing": only its complete is left) holds no URL and no
// bytes any more, so it makes room; the room is refilled a chunk at a time, once half of it
// is free, so the next chunk's start request runs while the previous chunk's PUTs still do.
// The small files started for the first time in one pass are a wave (batchWave): their
// starts go as one request as soon as the last of them asks, not after a gathering pause.
// A file started again (retried, resumed, or re-started with the user's choice for a taken
// name) wakes the queue on its own, so it gathers with the others for a moment instead.
const isSmall = (task) => batchable(task.file.size, task.uploads);
const holdsSlot = (task) => task.running && task.state !== "finishing";

function pump() {
  const running = tasks.filter(holdsSlot);
  const small = running.filter(isSmall);
  let smallCount = small.length;
  let smallBytes = small.reduce((sum, task) => sum + task.file.size, 0);
  const refill = smallCount <= SMALL_FILES_AT_ONCE / 2 && smallBytes <= SMALL_BYTES_AT_ONCE / 2;
  let large = tasks.filter((task) => task.running && !isSmall(task)).length;
  const wave = [];
  for (const task of tasks) {
    if (task.state !== "queued" || task.running) continue;
    if (isSmall(task)) {
      const room =
        smallCount === 0 ||
        (refill && smallCount < SMALL_FILES_AT_ONCE && smallBytes + task.file.size <= SMALL_BYTES_AT_ONCE);
      if (!room) continue;
      smallCount += 1;
      smallBytes += task.file.size;
      if (task.runs) task.start();
      else wave.push(task);
    } else {
      if (large >= FILES_AT_ONCE) continue;
      large += 1;
      task.start();
    }
  }
  if (wave.length) {
    const started = batchWave(wave.length);
    for (const task of wave) task.start({ wave: started });
  }
  scheduleRender();
}

/**
 * Queue files (a FileList or an array of File) for upload into folderId (null: the root,
 * or the drop link's folder). A file that matches an interrupted upload in the same folder
 * (same name, size and modification time) resumes it instead of starting over.
 * A file whose name is taken asks the user (upload-conflict.js); `conflicts` is the
 * ConflictChoices these files share with the rest of their upload (a dropped folder is
 * queued in several calls), a new one by default. Returns how many files were queued.
 */
export function enqueueUploads(files, { folderId = null, conflicts = new ConflictChoices() } = {}) {
  const ui = ensurePanel();
  const asks = choosesOnConflict(ui.uploads) ? conflicts : null;
  asks?.add(files.length);
  let added = 0;
  for (const file of files) {
    const offer = [...offers.values()].find(
      ({ record }) => recordMatchesFile(record, file) && (record.folder || null) === (folderId || null),
    );
    if (offer) {
      offers.delete(offer.record.id);
      offer.row.remove();
    }
    const task = new UploadTask(file, { folderId, record: offer?.record ?? null, uploads: ui.uploads, hooks, conflicts: asks });
    tasks.push(task);
    ui.list.append(task.row);
    task.paint();
    added += 1;
  }
  ui.root.hidden = false;
  pump();
  return added;
}

function activeTasks() {
  return tasks.filter((task) => !FINISHED_STATES.has(task.state));
}

// --- the panel ----------------------------------------------------------------------------

// The phone layout (the stylesheet's breakpoint for the panel).
const PHONE_QUERY = "(max-width: 40rem)";

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
  const heading = el("h2", { id: "upload-panel-heading", class: "upload-panel__title" }, root.dataset.title || "Uploads");
  const toggle = el("button", { type: "button", class: "link-button", "aria-expanded": "true", "aria-controls": "upload-panel-body" }, "Hide");
  const clear = el("button", { type: "button", class: "link-button", "data-upload-clear": "" }, "Clear finished");
  // The collapsed bar's one line of progress (the summary, which the body holds otherwise).
  const brief = el("span", { class: "upload-panel__brief", "aria-hidden": "true", "data-upload-brief": "" });
  head.append(heading, brief, clear, toggle);
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

  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide" : "Show";
    body.hidden = !open;
    root.classList.toggle("upload-panel--collapsed", !open);
  };
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  // On a phone the floating panel starts as a small bar over the list; a tap on it opens it.
  const floating = !root.classList.contains("upload-panel--inline");
  setOpen(!(floating && globalThis.matchMedia?.(PHONE_QUERY).matches));
  head.addEventListener("click", (event) => {
    if (root.classList.contains("upload-panel--collapsed") && !event.target.closest("button")) setOpen(true);
  });
  clear.addEventListener("click", () => {
    for (const task of [...tasks]) if (finishedNotFailed(task)) task.dismiss();
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

  panel = { root, uploads: root.dataset.uploadsUrl || UPLOADS_URL, list, resumables, summary, brief, overall, announcer, resumeInput, clear };
  return panel;
}

function announce(text) {
  if (panel) panel.announcer.textContent = text;
}

function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    renderAll();
  }, RENDER_EVERY_MS);
}

const finishedNotFailed = (task) => ["done", "cancelled", "skipped"].includes(task.state);

function summaryText({ counted, active, sent, total, skipped }) {
  if (active.length) {
    let text = `Uploading ${countOf(active.length, "file")} · ${formatBytes(sent)} of ${formatBytes(total)}`;
    const rate = active.reduce((sum, task) => sum + task.meter.rate(), 0);
    if (rate > 0) {
      const left = active.reduce((sum, task) => sum + task.file.size - task.sent, 0);
      text += ` · ${formatBytes(rate)}/s · ${formatDuration(left / rate)} left`;
    }
    return text;
  }
  if (counted.length) {
    const done = counted.filter((task) => task.state === "done").length;
    const failed = counted.filter((task) => task.state === "failed").length;
    return `${done} of ${counted.length} uploaded${failed ? ` · ${failed} failed` : ""}${skipped ? ` · ${skipped} skipped` : ""}`;
  }
  if (skipped) return `${skipped} skipped`;
  return offers.size ? "Some uploads were interrupted." : "";
}

function renderAll() {
  if (!panel) return;
  for (const task of tasks) task.paint();
  // A skipped file is neither uploaded nor failed: it counts apart.
  const counted = tasks.filter((task) => task.state !== "cancelled" && task.state !== "skipped");
  const skipped = tasks.filter((task) => task.state === "skipped").length;
  const active = activeTasks();
  const total = counted.reduce((sum, task) => sum + task.file.size, 0);
  const sent = counted.reduce((sum, task) => sum + (task.state === "done" ? task.file.size : task.sent), 0);
  panel.summary.textContent = summaryText({ counted, active, sent, total, skipped });
  panel.brief.textContent = panel.summary.textContent;
  panel.overall.hidden = !counted.length;
  setProgress(panel.overall, total ? sent / total : 0, active.length ? "uploading" : "done");
  panel.clear.hidden = !tasks.some(finishedNotFailed);
}

// --- interrupted uploads (reload, crash, browser restart) -----------------------------------

function offerRow(record, state) {
  const { row, bar, status, actions } = uploadRow({
    name: record.name,
    size: record.size,
    barLabel: `Stored so far of ${record.name}`,
    extraClass: "upload-item--interrupted",
    data: { "data-upload-resumable": "" },
  });
  const stored = (state.parts ?? []).reduce((sum, part) => sum + part.size, 0);
  setProgress(bar, record.size ? stored / record.size : 0, "interrupted");
  const partsNote = state.strategy === "multipart" ? ` ${state.parts?.length ?? 0} of ${state.part_count} parts are stored.` : "";
  status.textContent = `Interrupted.${partsNote} Choose the same file to continue.`;
  const resume = el("button", { type: "button", class: "btn btn-small", "aria-label": `Resume ${record.name} — choose the file again` }, "Resume — choose the file again");
  const discard = actionButton("discard", "Discard", `Discard the interrupted upload of ${record.name}`);
  actions.append(resume, discard);
  resume.addEventListener("click", () => {
    panel.resumeInput.dataset.uploadId = record.id;
    panel.resumeInput.click();
  });
  discard.addEventListener("click", () => {
    offers.delete(record.id);
    uploadForget(record.id);
    uploadAbort(record.id, { uploads: panel.uploads }).catch(() => {});
    row.remove();
    announce(`Discarded the upload of ${record.name}.`);
    scheduleRender();
  });
  return row;
}

async function offerResumes() {
  const ui = ensurePanel();
  const records = uploadRecords({ uploads: ui.uploads });
  const states = await Promise.all(
    records.map((record) => uploadState(record.id, { uploads: ui.uploads }).catch((error) => ({ error }))),
  );
  records.forEach((record, index) => {
    const state = states[index];
    if (state.error) {
      // Not ours (another account signed in here) or gone: forget it. Network trouble: keep it.
      if (state.error.status >= 400 && state.error.status < 500) uploadForget(record.id);
      return;
    }
    if (state.status !== "pending") {
      uploadForget(record.id);
      return;
    }
    if (tasks.some((task) => task.session?.id === record.id) || offers.has(record.id)) return;
    const row = offerRow(record, state);
    offers.set(record.id, { record, row });
    ui.resumables.append(row);
    ui.root.hidden = false;
  });
  if (offers.size) announce(`${countOf(offers.size, "interrupted upload")} can be resumed.`);
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
  if (folders) announce("Folders cannot be dropped here; drop the files inside them.");
  return files;
}

function installDrops() {
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
}

/** Queue the files chosen in a file <input> into folder() (a uuid, or null). */
export function installUploadInput(input, { folder = () => null } = {}) {
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = ""; // choosing the same file again must fire another change
    enqueueUploads(files, { folderId: folder() });
  });
}

/**
 * Wire the page's [data-upload-panel]: drops on [data-upload-drop] zones, the warning
 * before leaving with uploads running, and the offer to resume interrupted uploads.
 */
export function installUploadPanel() {
  installDrops();
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
}
