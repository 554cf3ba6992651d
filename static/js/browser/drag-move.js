// Drag and drop inside the browser: drag a row (or the selection it belongs to) onto a
// folder row or a breadcrumb to move it there (PATCH parent/folder, the move API). The
// folder under the pointer is highlighted as the drop target; the folder the items are in,
// and a dragged folder itself, take no drop. Drags from the desktop (files) are uploads
// instead (drop-upload.js): a drag from here carries no files.
import { patch } from "../lib/api.js";
import { countOf } from "../lib/format.js";
import { showError, toast } from "../lib/toast.js";
import { itemPath } from "./endpoints.js";
import { reloadKeepingSelection } from "./listing.js";
import { dom } from "./render.js";
import { canEdit, selectedItems, state } from "./state.js";

const TYPE = "application/x-kosha-items";
let dragged = null; // the items being dragged, or null
let target = null; // the node highlighted as the drop target

/** Where a node would take a drop: { id (null: My files), name, node }, or null. */
function dropPlace(node) {
  const row = node?.closest?.('[role="option"][data-kind="folder"]');
  if (row && dom.view.contains(row)) {
    const item = state.items[Number(row.dataset.index)];
    return { id: item.id, name: item.name, node: row };
  }
  const crumb = node?.closest?.("[data-crumbs] [data-folder-link]");
  if (crumb) return { id: crumb.dataset.folderLink || null, name: crumb.textContent.trim(), node: crumb };
  return null;
}

// A drop changes something there: not the folder they are in, not a dragged folder.
const takes = (place) => place && (place.id ?? null) !== (state.folder ?? null) && !dragged.some((item) => item.id === place.id);

// Rows move by dragging inside a folder I may edit; Recent and Starred gather rows from
// many folders (and owners): there the Move dialog says where each goes.
const movable = () => canEdit() && !state.collection;

function highlight(node) {
  if (target === node) return;
  target?.classList.remove("drop-target");
  target = node;
  target?.classList.add("drop-target");
}

/** Move `items` into the folder `place` ({ id, name }), one request each; errors toast. */
export async function moveItems(items, place) {
  let count = 0;
  for (const item of items) {
    try {
      await patch(itemPath(item), item.kind === "folder" ? { parent: place.id } : { folder: place.id });
      count += 1;
    } catch (error) {
      showError(new Error(`${item.name}: ${error.message}`));
    }
  }
  if (count) toast(`Moved ${count === 1 && items.length === 1 ? `“${items[0].name}”` : countOf(count, "item")} to “${place.name}”.`);
  await reloadKeepingSelection();
}

function onDragstart(event) {
  const row = event.target.closest?.('[role="option"]');
  if (!row || !movable()) return;
  const grabbed = state.items[Number(row.dataset.index)];
  // A row outside the selection goes alone, and the selection stays as it is (selecting it
  // now would show the selection bar and shift the rows under the pointer).
  dragged = state.selected.has(grabbed.id) ? selectedItems() : [grabbed];
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData(TYPE, JSON.stringify(dragged.map((item) => item.id)));
  event.dataTransfer.setData("text/plain", dragged.map((item) => item.name).join("\n"));
}

function onDragover(event) {
  if (!dragged) return;
  event.stopPropagation(); // not an upload: the upload panel's drop zone is not told
  const place = dropPlace(event.target);
  if (!takes(place)) {
    highlight(null);
    return;
  }
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  highlight(place.node);
}

async function onDrop(event) {
  if (!dragged) return;
  event.stopPropagation();
  const place = dropPlace(event.target);
  const items = dragged;
  const ok = takes(place);
  end();
  if (!ok) return;
  event.preventDefault();
  event.stopPropagation();
  await moveItems(items, place);
}

function end() {
  dragged = null;
  highlight(null);
}

/** Make the rows draggable (where I may edit) and the folder rows and breadcrumbs drop targets. */
export function installDragMove() {
  const { root, view } = dom;
  // Rows are drawn again on every render: mark the one pressed as draggable just in time.
  view.addEventListener("pointerdown", (event) => {
    const row = event.target.closest('[role="option"]');
    if (row && !event.target.closest("input")) row.draggable = movable();
  });
  view.addEventListener("dragstart", onDragstart);
  root.addEventListener("dragover", onDragover);
  root.addEventListener("drop", onDrop);
  document.addEventListener("dragend", end);
  root.addEventListener("dragleave", (event) => {
    if (!dragged) return;
    event.stopPropagation();
    if (target && !target.contains(event.relatedTarget)) highlight(null);
  });
}
