// What the browser does to items: open, rename in place, new folder, trash (with undo),
// move and copy (through the folder picker), download (a folder as a zip), share, versions.
// run(action) is the one switch the toolbar, the selection bar and the keyboard go through.
import { del, get, patch, post } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { countOf } from "../lib/format.js";
import { promptDialog } from "../lib/prompt.js";
import { showError, toast, toastAction } from "../lib/toast.js";
import { downloadUrl, itemPath } from "./endpoints.js";
import { load, navigate, reloadKeepingSelection } from "./listing.js";
import { pickFolder } from "./picker.js";
import { openViewer } from "./preview.js";
import { dom, row, rowAt } from "./render.js";
import { openDetails } from "./details.js";
import { clearSelection, selectOnly, setFocus } from "./selection.js";
import { openShare } from "./share.js";
import { starToggle } from "./stars.js";
import { canEdit, selectedItems, state } from "./state.js";
import { openVersions } from "./versions.js";

const NEW_FOLDER_TRIES = 50;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open a folder (navigate) or a file (the viewer, with previous and next over the folder's files). */
export function open(item) {
  if (!item) return;
  if (item.kind === "folder") {
    navigate(item.id, { focus: true });
    return;
  }
  const files = state.items.filter((entry) => entry.kind === "file");
  openViewer(files, files.indexOf(item), {
    onShow: (file) => {
      const index = state.items.indexOf(file);
      if (index >= 0) selectOnly(index);
    },
  });
}

/** Rename items[index] in place: Enter or leaving the field saves, Esc cancels. */
export function startRename(index) {
  const item = state.items[index];
  const node = rowAt(index);
  if (!item || !node || node.querySelector(".item__rename")) return;
  const link = node.querySelector(".item__name");
  const input = el("input", {
    type: "text",
    class: "item__rename",
    value: item.name,
    "aria-label": `New name for ${item.name}`,
    maxlength: "255",
  });
  link.replaceWith(input);
  const dot = item.kind === "file" ? item.name.lastIndexOf(".") : -1;
  input.focus();
  input.setSelectionRange(0, dot > 0 ? dot : item.name.length);
  let done = false;
  const finish = async (commit) => {
    if (done) return;
    done = true;
    const name = input.value.trim();
    if (!commit || !name || name === item.name) {
      input.replaceWith(link);
      setFocus(index);
      return;
    }
    input.disabled = true;
    try {
      const updated = await patch(itemPath(item), { name });
      item.name = updated.name;
      item.modified = updated.updated_at ?? item.modified;
      node.replaceWith(row(item, index));
      setFocus(index);
      toast(`Renamed to “${item.name}”.`);
    } catch (error) {
      showError(error);
      input.replaceWith(link);
      setFocus(index);
    }
  };
  input.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") {
      event.preventDefault();
      finish(true);
    } else if (event.key === "Escape") {
      event.preventDefault();
      finish(false);
    }
  });
  input.addEventListener("click", (event) => event.stopPropagation());
  input.addEventListener("dblclick", (event) => event.stopPropagation());
  input.addEventListener("blur", () => finish(true));
}

/** A "New folder" name not taken by a loaded item ("New folder 2", ...), to suggest. */
function freeFolderName() {
  const taken = new Set(state.items.map((item) => item.name.toLowerCase()));
  let name = "New folder";
  for (let attempt = 2; taken.has(name.toLowerCase()) && attempt < NEW_FOLDER_TRIES; attempt += 1) {
    name = `New folder ${attempt}`;
  }
  return name;
}

/** Ask for the name first, then make the folder: a taken or bad name is said in the
 * dialog, which stays open, so no placeholder folder is ever left behind. */
async function newFolder() {
  const folder = await promptDialog({
    title: "New folder",
    label: "Folder name",
    value: freeFolderName(),
    ok: "Create",
    submit: (name) =>
      post("folders/", { name, parent: state.folder }).catch((error) => {
        // A session that ended cannot be fixed in the dialog: close it, offer "Sign in again".
        if (!error?.isSignedOut) throw error;
        showError(error);
        return undefined;
      }),
  });
  if (!folder) return;
  await load({ highlight: folder.id });
  toast(`Created the folder “${folder.name}”.`);
}

/** Move items to the trash, one request each, with an Undo in the toast. */
export async function trash(items) {
  if (!items.length) return;
  const done = [];
  for (const item of items) {
    try {
      await del(itemPath(item));
      done.push(item);
    } catch (error) {
      showError(error);
    }
  }
  if (!done.length) return;
  const label = done.length === 1 ? `“${done[0].name}”` : countOf(done.length, "item");
  const note = toast(`Moved ${label} to the trash.`, { timeout: 8000 });
  if (note) {
    const undo = toastAction(note, el("button", { type: "button", class: "link-button toast__action" }, "Undo"));
    undo.addEventListener("click", async () => {
      note.remove();
      for (const item of done) await post(`trash/${item.id}/restore/`).catch(showError);
      await reloadKeepingSelection();
      toast("Restored from the trash.");
    });
  }
  const first = Math.min(...done.map((item) => state.items.indexOf(item)));
  state.focus = Math.max(0, first);
  await load();
  setFocus(state.focus, { move: Boolean(dom.list && document.activeElement === document.body) });
}

async function moveOrCopy(items, mode) {
  if (!items.length) return;
  const exclude = new Set(items.filter((item) => item.kind === "folder").map((item) => item.id));
  const target = await pickFolder({
    title: `${mode === "move" ? "Move" : "Copy"} ${items.length === 1 ? `“${items[0].name}”` : countOf(items.length, "item")} to…`,
    okLabel: mode === "move" ? "Move here" : "Copy here",
    start: state.folder,
    exclude,
  });
  if (target === undefined) return;
  // Moving items into the folder they are in changes nothing: say so, do not claim a move.
  if (mode === "move" && (target ?? null) === (state.folder ?? null)) {
    toast(`${items.length === 1 ? "It is" : "They are"} already in that folder; nothing moved.`);
    return;
  }
  let count = 0;
  for (const item of items) {
    try {
      // A folder is copied whole on the server (store to store), quota-checked up front.
      if (mode === "copy" && item.kind === "folder") await post(`folders/${item.id}/copy/`, { parent: target });
      else if (mode === "copy") await post(`files/${item.id}/copy/`, { folder: target });
      else if (item.kind === "folder") await patch(itemPath(item), { parent: target });
      else await patch(itemPath(item), { folder: target });
      count += 1;
    } catch (error) {
      showError(new Error(`${item.name}: ${error.message}`));
    }
  }
  if (count) toast(`${mode === "move" ? "Moved" : "Copied"} ${countOf(count, "item")}.`);
  await reloadKeepingSelection();
}

// Ask for a zip (`start()` answers the archive), poll until it is built, then fetch it.
async function downloadZip(label, start) {
  const note = toast(`Preparing ${label} as a zip…`, { timeout: 60000 });
  try {
    let archive = await start();
    for (let wait = 500; archive.status === "pending"; wait = Math.min(wait * 1.5, 5000)) {
      await sleep(wait);
      archive = await get(`archives/${archive.id}/`);
    }
    if (archive.status !== "ready" || !archive.url) throw new Error(archive.error || "The zip could not be made.");
    window.location.assign(archive.url);
  } catch (error) {
    showError(error);
  } finally {
    note?.remove();
  }
}

/** Download one file as it is, one folder as its zip, and several items as one zip. */
function download(items) {
  if (!items.length) return undefined;
  if (items.length > 1) {
    const ids = (kind) => items.filter((item) => item.kind === kind).map((item) => item.id);
    return downloadZip(countOf(items.length, "item"), () => post("archives/", { files: ids("file"), folders: ids("folder") }));
  }
  const [item] = items;
  if (item.kind === "folder") return downloadZip(`“${item.name}”`, () => post(`folders/${item.id}/archive/`));
  window.location.assign(downloadUrl(item.id));
  return undefined;
}

/** Run a toolbar or selection-bar action (data-action) on the selection or the focused row. */
export function run(action) {
  const chosen = selectedItems();
  const focusItem = state.items[state.focus];
  switch (action) {
    case "new-folder":
      return newFolder();
    case "open":
      return open(chosen[0] ?? focusItem);
    case "download":
      return download(chosen);
    case "rename": {
      const index = state.items.indexOf(chosen[0] ?? focusItem);
      return index >= 0 && startRename(index);
    }
    case "move":
      return moveOrCopy(chosen, "move");
    case "copy":
      return moveOrCopy(chosen, "copy");
    case "versions":
      return (
        chosen[0]?.kind === "file" &&
        openVersions(chosen[0], { onChange: reloadKeepingSelection, canRestore: canEdit() })
      );
    case "share": {
      const target = chosen.length === 1 ? chosen[0] : focusItem;
      return target && openShare(target);
    }
    case "details":
      return openDetails(chosen[0] ?? focusItem, {
        versions: (item) => openVersions(item, { onChange: reloadKeepingSelection, canRestore: canEdit() }),
        share: (item) => openShare(item),
      });
    case "trash":
      return trash(chosen);
    case "star":
      return starToggle(chosen.length ? chosen : [focusItem].filter(Boolean));
    case "clear":
      return clearSelection();
    default:
      return undefined;
  }
}
