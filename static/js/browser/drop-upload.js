// Drag and drop from the desktop, anywhere on the page, folders included: directories are
// walked with webkitGetAsEntry(), recreated with POST /api/v1/folders/ (an existing folder of
// the same name is reused), and each file is handed to the upload panel for its folder.
//
// Files go to the upload panel (../upload-panel.js: enqueueUploads), which shows progress,
// retries, and dispatches `kosha:uploaded` on document as each file is stored. Folders of
// the same name merge; a file whose name is taken asks, and "apply to all" holds for the
// whole drop (one ConflictChoices for all its folders).
import { ApiError, post } from "../lib/api.js";
import { countOf } from "../lib/format.js";
import { showError, toast } from "../lib/toast.js";
import { ConflictChoices } from "../upload-conflict.js";
import { enqueueUploads } from "../upload-panel.js";
import { folderItems } from "./endpoints.js";

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

/**
 * Upload the files of a folder chosen in an <input webkitdirectory> into folder (a uuid or
 * null): each file's webkitRelativePath ("Photos/2024/a.jpg") is recreated as folders
 * (reused when one of the name exists, as for a dropped folder), then the files are queued
 * one call per folder. Returns { total, folders } like uploadDropped.
 */
export async function uploadChosenFolder(files, folder) {
  const made = new Map(); // "Photos/2024" -> its folder id
  const byFolder = new Map();
  for (const file of files) {
    const parts = (file.webkitRelativePath || file.name).split("/").slice(0, -1);
    let target = folder;
    for (let depth = 1; depth <= parts.length; depth += 1) {
      const path = parts.slice(0, depth).join("/");
      if (!made.has(path)) made.set(path, await ensureFolder(target, parts[depth - 1]));
      target = made.get(path);
    }
    if (!byFolder.has(target)) byFolder.set(target, []);
    byFolder.get(target).push(file);
  }
  const conflicts = new ConflictChoices();
  for (const [target, chosen] of byFolder) enqueueUploads(chosen, { folderId: target, conflicts });
  return { total: files.length, folders: byFolder.size };
}

/**
 * Upload dropped DataTransfer items (files and folders) into folder (a uuid or null): the
 * hook other code can call too, as `window.Kosha.uploadDropped(dataTransfer, folderId)`.
 */
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
  // One queue call per folder, in the order the folders were walked.
  const byFolder = new Map();
  for (const { file, folder: target } of pairs) {
    if (!byFolder.has(target)) byFolder.set(target, []);
    byFolder.get(target).push(file);
  }
  const conflicts = new ConflictChoices();
  for (const [target, files] of byFolder) enqueueUploads(files, { folderId: target, conflicts });
  return { total: pairs.length, folders: byFolder.size };
}

/**
 * Take drops anywhere on the page into folder() (a uuid or null), showing
 * [data-drop-overlay], while canDrop() (a viewer's folder takes none: the drop is refused
 * with a toast rather than opening the file in the tab).
 */
export function installDropUpload({ folder, onDone, canDrop = () => true }) {
  const overlay = document.querySelector("[data-drop-overlay]");
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  const hide = () => {
    depth = 0;
    if (overlay) overlay.hidden = true;
  };
  document.addEventListener("dragenter", (event) => {
    if (!hasFiles(event) || !canDrop()) return;
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
    event.dataTransfer.dropEffect = canDrop() ? "copy" : "none";
  });
  // Capture, so this runs before upload-panel.js's own drop handler, which leaves alone a
  // drop whose default is prevented (it would take the files but not the folders).
  window.addEventListener("drop", async (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    hide();
    if (!canDrop()) {
      showError(new Error("You can view this folder but not add to it."));
      return;
    }
    try {
      const { total } = await uploadDropped(event.dataTransfer, folder());
      if (total) toast(`Uploading ${countOf(total, "file")}…`);
    } catch (error) {
      showError(error);
    } finally {
      onDone?.();
    }
  }, true);
  window.Kosha = Object.assign(window.Kosha || {}, { uploadDropped });
}

/** Queue the folder chosen in `input` (an <input type=file webkitdirectory>) into folder(). */
export function installFolderInput(input, { folder, onDone }) {
  if (!input) return;
  input.addEventListener("change", async () => {
    const files = [...input.files];
    input.value = ""; // choosing the same folder again must fire another change
    if (!files.length) return;
    try {
      const { total } = await uploadChosenFolder(files, folder());
      toast(`Uploading ${countOf(total, "file")}…`);
    } catch (error) {
      showError(error);
    } finally {
      onDone?.();
    }
  });
}
