// Drag and drop from the desktop, anywhere on the page, folders included: directories are
// walked with webkitGetAsEntry(), recreated with POST /api/v1/folders/ (an existing folder of
// the same name is reused), and each file is handed to the upload panel for its folder.
//
// The hook: an upload panel may set `window.Kosha.uploadPanel = { add(file, { folder }) }`
// (returning a promise); without one, files go through upload.js's uploadFile with a
// progress row in the page's [data-upload-list], like home.js's.
import { uploadFile } from "../upload.js";
import { ApiError, folderItems, post } from "./api.js";
import { el, formatBytes, showError, toast } from "./ui.js";

function readEntries(reader) {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function children(directory) {
  const reader = directory.createReader();
  const all = [];
  // readEntries answers in batches (100 in Chromium) until it answers none.
  for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) all.push(...batch);
  return all;
}

const entryFile = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

async function findFolder(parent, name) {
  let cursor = null;
  do {
    const page = await folderItems(parent, { cursor, limit: 500 });
    const found = page.items.find((item) => item.kind === "folder" && item.name === name);
    if (found) return found.id;
    if (page.items.some((item) => item.kind === "file")) return null;
    cursor = page.next;
  } while (cursor);
  return null;
}

async function ensureFolder(parent, name) {
  try {
    return (await post("folders/", { name, parent })).id;
  } catch (error) {
    if (error instanceof ApiError && error.code === "conflict") {
      const id = await findFolder(parent, name);
      if (id) return id;
    }
    throw error;
  }
}

// Walk an entry into [{ file, folder }] pairs, creating folders on the way.
async function collect(entry, folder, out) {
  if (entry.isFile) {
    out.push({ file: await entryFile(entry), folder });
  } else if (entry.isDirectory) {
    const id = await ensureFolder(folder, entry.name);
    for (const child of await children(entry)) await collect(child, id, out);
  }
}

function progressRow(file) {
  const list = document.querySelector("[data-upload-list]");
  if (!list) return null;
  const bar = el("progress", { max: String(file.size || 1), value: "0", "aria-label": `Uploading ${file.name}` });
  const status = el("span", { class: "upload__status muted" }, "Waiting…");
  const row = el("div", { class: "upload" }, el("span", { class: "upload__name" }, file.webkitRelativePath || file.name), bar, status);
  list.append(row);
  list.hidden = false;
  return { row, bar, status };
}

async function uploadOne({ file, folder }) {
  const panel = window.Kosha?.uploadPanel;
  if (panel?.add) return panel.add(file, { folder });
  const ui = progressRow(file);
  try {
    await uploadFile(file, {
      folder,
      base: "/api/v1/",
      onProgress: (sent, total, phase) => {
        if (!ui) return;
        ui.bar.value = sent;
        ui.status.textContent = phase === "uploading" ? `${formatBytes(sent)} of ${formatBytes(total)}` : "Finishing…";
      },
    });
    if (ui) {
      ui.bar.value = ui.bar.max;
      ui.status.textContent = "Uploaded";
      ui.row.classList.add("upload--done");
    }
    return true;
  } catch (error) {
    if (ui) {
      ui.row.classList.add("upload--failed");
      ui.status.textContent = error.message;
      ui.status.setAttribute("role", "alert");
    }
    return false;
  }
}

/** Upload dropped DataTransfer items (files and folders) into folder (a uuid or null). */
export async function uploadDropped(dataTransfer, folder) {
  const entries = [...(dataTransfer.items || [])]
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  const pairs = [];
  if (entries.length) {
    for (const entry of entries) await collect(entry, folder, pairs);
  } else {
    for (const file of dataTransfer.files || []) pairs.push({ file, folder });
  }
  let uploaded = 0;
  for (const pair of pairs) if (await uploadOne(pair)) uploaded += 1;
  return { total: pairs.length, uploaded };
}

export function installDrop({ folder, onDone }) {
  const overlay = document.querySelector("[data-drop-overlay]");
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  const hide = () => {
    depth = 0;
    if (overlay) overlay.hidden = true;
  };
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    if (overlay) overlay.hidden = false;
  });
  document.addEventListener("dragleave", (event) => {
    if (!hasFiles(event)) return;
    depth -= 1;
    if (depth <= 0) hide();
  });
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  document.addEventListener("drop", async (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    hide();
    try {
      const { total, uploaded } = await uploadDropped(event.dataTransfer, folder());
      if (total) toast(`Uploaded ${uploaded} of ${total} ${total === 1 ? "file" : "files"}.`);
    } catch (error) {
      showError(error);
    } finally {
      onDone?.();
    }
  });
  window.Kosha = Object.assign(window.Kosha || {}, { uploadDropped });
}
