// The browser's input: the listbox keyboard (arrows, Home/End, Space, Enter, Delete, F2,
// S, Esc, Ctrl+A; Backspace and Alt+↑ anywhere outside a field go to the folder above), clicks and double-clicks on rows and sort buttons, the toolbar and
// selection-bar actions, the view toggle and breadcrumb links.
import { open, run, startRename, trash } from "./actions.js";
import { load, navigate, navigateUp } from "./listing.js";
import { dom, render } from "./render.js";
import { clearSelection, selectAll, selectOnly, selectRange, setFocus, toggle } from "./selection.js";
import { openShare } from "./share.js";
import { canEdit, isOwner, selectedItems, sortToggle, state, viewSet } from "./state.js";

// Rows per line: 1 in the list, as many as fit in the grid.
function columns() {
  const { list } = dom;
  if (state.view !== "grid" || !list?.children.length) return 1;
  const top = list.children[0].offsetTop;
  let count = 0;
  for (const node of list.children) {
    if (node.offsetTop !== top) break;
    count += 1;
  }
  return Math.max(1, count);
}

/** Backspace or Alt+↑ outside a field or dialog: to the folder above (listing.navigateUp). */
function onUpKey(event) {
  const plain = !event.metaKey && !event.ctrlKey && !event.altKey && !event.shiftKey;
  const up = (event.key === "Backspace" && plain) || (event.key === "ArrowUp" && event.altKey && !event.ctrlKey);
  if (!up || event.defaultPrevented || !state.folder) return;
  if (event.target.closest?.("input, textarea, select, [contenteditable], dialog") || document.querySelector("dialog[open]")) return;
  event.preventDefault();
  navigateUp();
}

function onKeydown(event) {
  if (event.altKey && event.key === "ArrowUp") return; // the folder above: onUpKey
  if (!dom.list || !state.items.length || event.target.closest("input, textarea, select")) return;
  const mod = event.ctrlKey || event.metaKey;
  const step = { ArrowDown: columns(), ArrowUp: -columns(), ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (step !== undefined && (state.view === "grid" || Math.abs(step) === columns())) {
    event.preventDefault();
    const target = Math.max(0, Math.min(state.focus + step, state.items.length - 1));
    if (event.shiftKey) selectRange(target);
    else if (mod) setFocus(target);
    else selectOnly(target);
    return;
  }
  switch (event.key) {
    case "Home":
    case "End": {
      event.preventDefault();
      const target = event.key === "Home" ? 0 : state.items.length - 1;
      if (event.shiftKey) selectRange(target);
      else selectOnly(target);
      break;
    }
    case " ":
      event.preventDefault();
      toggle(state.focus);
      break;
    case "Enter":
      event.preventDefault();
      open(state.items[state.focus]);
      break;
    case "Delete":
    case "Backspace":
      if (event.key === "Backspace" && !event.metaKey) return;
      if (!canEdit()) return;
      event.preventDefault();
      if (!state.selected.size) state.selected.add(state.items[state.focus].id);
      trash(selectedItems());
      break;
    case "F2":
      if (!canEdit()) return;
      event.preventDefault();
      startRename(state.focus);
      break;
    case "s":
    case "S":
      if (mod || event.altKey || !isOwner()) return;
      event.preventDefault();
      openShare(state.selected.size === 1 ? selectedItems()[0] : state.items[state.focus]);
      break;
    case "Escape":
      clearSelection();
      break;
    default:
      if (mod && event.key.toLowerCase() === "a") {
        event.preventDefault();
        selectAll();
      }
  }
}

function onClick(event) {
  const sort = event.target.closest("[data-sort]");
  if (sort) {
    sortToggle(sort.dataset.sort);
    load();
    return;
  }
  const node = event.target.closest('[role="option"]');
  if (!node) {
    if (event.target === dom.view || event.target.closest(".listing__sentinel")) clearSelection();
    return;
  }
  const index = Number(node.dataset.index);
  const onName = event.target.closest(".item__name");
  if (onName) event.preventDefault();
  if (event.shiftKey) selectRange(index, { add: event.ctrlKey || event.metaKey });
  else if (event.ctrlKey || event.metaKey) toggle(index);
  else if (onName) {
    selectOnly(index);
    open(state.items[index]);
  } else selectOnly(index);
}

function onDblclick(event) {
  const node = event.target.closest('[role="option"]');
  if (node && !event.target.closest(".item__name")) open(state.items[Number(node.dataset.index)]);
}

function onPageClick(event) {
  const action = event.target.closest("[data-action]");
  if (action) run(action.dataset.action);
  const mode = event.target.closest("[data-view-mode]");
  if (mode && mode.dataset.viewMode !== state.view) {
    viewSet(mode.dataset.viewMode);
    const focused = dom.list?.contains(document.activeElement);
    render();
    if (focused) setFocus(state.focus);
  }
  const crumb = event.target.closest("[data-folder-link]");
  if (crumb && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    event.preventDefault();
    navigate(crumb.dataset.folderLink || null, { focus: true });
  }
}

/** Listen on the page's listing (dom.view) and on the whole browser (dom.root). */
export function installBrowserEvents() {
  const { root, view } = dom;
  view.addEventListener("click", onClick);
  view.addEventListener("dblclick", onDblclick);
  view.addEventListener("keydown", onKeydown);
  view.addEventListener("focusin", (event) => {
    const node = event.target.closest('[role="option"]');
    if (node) state.focus = Number(node.dataset.index);
  });
  root.addEventListener("click", onPageClick);
  document.addEventListener("keydown", onUpKey);
}
