// The trash page: list (newest first, paginated), restore, delete forever, empty the trash.
import { del, get, post } from "../lib/api.js";
import { confirmDialog } from "../lib/confirm.js";
import { el, icon, timeEl } from "../lib/dom.js";
import { fileType } from "../lib/filetypes.js";
import { countOf, formatBytes, formatDateFull } from "../lib/format.js";
import { showError, toast, toastAction } from "../lib/toast.js";
import { openTrashFolder } from "./trash-inside.js";

let root = null;
let rows = null;
let more = null;
let emptyButton = null;
let next = null;

function updateEmpty() {
  const none = rows.children.length === 0;
  root.querySelector("[data-trash-view]").hidden = none;
  root.querySelector("[data-trash-empty-state]").hidden = !none;
  emptyButton.disabled = none;
}

// A trashed folder opens in place of the list (browser/trash-inside.js); its trail goes back.
function openButton(item) {
  const button = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Open ${item.name}` }, "Open");
  button.addEventListener("click", () => {
    const list = [root.querySelector("[data-trash-view]"), root.querySelector("[data-trash-empty-state]"), more];
    const wasHidden = list.map((node) => node.hidden);
    for (const node of list) node.hidden = true;
    openTrashFolder(root, item.id, {
      back: () => {
        rows.replaceChildren();
        list.forEach((node, index) => (node.hidden = wasHidden[index]));
        page(null);
      },
    });
  });
  return button;
}

function trashRow(item) {
  const restore = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Restore ${item.name}` }, "Restore");
  const forever = el("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": `Delete ${item.name} forever` }, "Delete forever");
  const origin = item.folder_is_trashed
    ? el("span", { class: "muted", title: "Its folder is gone: it will be restored to My files" }, `${item.folder_name || "A deleted folder"} (gone)`)
    : item.folder
      ? el("a", { href: `/f/${item.folder}` }, item.folder_name)
      : el("a", { href: "/" }, "My files");
  const tr = el(
    "tr",
    { "data-id": item.id },
    el("td", { "data-label": "Name" }, el("span", { class: "file-name" }, icon(fileType(item)), el("span", { class: "truncate", title: item.name }, item.name))),
    el("td", { class: "col-origin", "data-label": "Was in" }, origin),
    el("td", { class: "col-date", "data-label": "Deleted" }, timeEl(item.deleted_at), el("div", { class: "muted small" }, `Purged ${formatDateFull(item.purge_at)}`)),
    el("td", { class: "num col-size", "data-label": "Size" }, formatBytes(item.size)),
    el("td", { class: "actions" }, el("div", { class: "button-group" }, ...(item.kind === "folder" ? [openButton(item)] : []), restore, forever)),
  );
  restore.addEventListener("click", async () => {
    restore.disabled = true;
    try {
      const restored = await post(`trash/${item.id}/restore/`);
      tr.remove();
      updateEmpty();
      const where = restored.folder ? `/f/${restored.folder}` : "/";
      const note = toast(`Restored “${restored.name}”.`);
      toastAction(note, el("a", { href: `${where}?highlight=${restored.id}`, class: "toast__action" }, "Show"));
    } catch (error) {
      restore.disabled = false;
      showError(error);
    }
  });
  forever.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: `Delete “${item.name}” forever?`,
      body: "It cannot be restored afterwards, and its space is freed at once.",
      ok: "Delete forever",
    });
    if (!sure) return;
    try {
      await del(`trash/${item.id}/`);
      tr.remove();
      updateEmpty();
      toast(`Deleted “${item.name}” forever.`);
    } catch (error) {
      showError(error);
    }
  });
  return tr;
}

async function page(cursor) {
  const view = root.querySelector("[data-trash-view]");
  view.setAttribute("aria-busy", "true");
  try {
    const data = await get(`trash/${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    rows.append(...data.items.map(trashRow));
    next = data.next;
    more.hidden = !next;
  } catch (error) {
    showError(error);
  } finally {
    view.removeAttribute("aria-busy");
    updateEmpty();
  }
}

/** Wire the trash page's [data-trash] and load its first page. */
export function installTrash(element) {
  root = element;
  rows = root.querySelector("[data-trash-rows]");
  more = root.querySelector("[data-trash-more]");
  emptyButton = root.querySelector("[data-trash-empty]");
  more.addEventListener("click", () => next && page(next));
  emptyButton.addEventListener("click", async () => {
    const sure = await confirmDialog({
      title: "Empty the trash?",
      body: "Everything in the trash is deleted forever. This cannot be undone.",
      ok: "Empty trash",
    });
    if (!sure) return;
    try {
      const result = await post("trash/empty/");
      rows.replaceChildren();
      next = null;
      more.hidden = true;
      updateEmpty();
      toast(`Deleted ${countOf(result.items, "item")} forever, freeing ${formatBytes(result.size)}.`);
    } catch (error) {
      showError(error);
    }
  });
  page(null);
}
