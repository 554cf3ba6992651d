// The row context menu: right-click a row, click its "⋯", press Shift+F10 or the Menu key on
// it, or Tab from the listbox to the "Actions" menu button (Enter, Space or ↓ open it, ↑
// opens it on its last item). A row outside the selection becomes the selection first; a
// row inside it acts on the whole selection. The menu lists what the selection bar offers
// for that selection (so the two always agree), Details before Trash.
//
// An option of a listbox holds no interactive content (axe nested-interactive), so each
// row's "⋯" is a pointer target only; keyboard users reach the one real menu button, which
// sits after the listbox and shows itself over the focused row's "⋯" while it has focus.
import { el } from "../lib/dom.js";
import { countOf } from "../lib/format.js";
import { closeMenu, openMenu } from "../lib/menu.js";
import { run } from "./actions.js";
import { dom, rowAt } from "./render.js";
import { selectOnly, setFocus } from "./selection.js";
import { state } from "./state.js";

const LABELS = { move: "Move to…", copy: "Copy to…", trash: "Move to trash", versions: "Versions…", share: "Share…" };
const LAST = ["details", "trash"]; // these two close the menu, in this order

let button = null;

/** The actions the selection bar shows for the current selection, as menu items. */
export function menuItems() {
  const shown = [...dom.bar.querySelectorAll("[data-action]")].filter((node) => !node.hidden && node.dataset.action !== "clear");
  const items = shown.map((node) => ({
    action: node.dataset.action,
    label: LABELS[node.dataset.action] ?? node.textContent.trim(),
    danger: node.dataset.action === "trash",
  }));
  const rank = (item) => LAST.indexOf(item.action);
  return items.sort((a, b) => rank(a) - rank(b));
}

// Make row `index` what the menu acts on: kept if already in the selection, else alone.
function target(index) {
  if (state.selected.has(state.items[index].id)) setFocus(index, { move: false });
  else selectOnly(index);
}

function label() {
  const count = state.selected.size;
  const item = state.items[state.focus];
  return count > 1 ? `Actions for ${countOf(count, "selected item")}` : `Actions for ${item?.name ?? "the item"}`;
}

function show(index, where) {
  target(index);
  const node = rowAt(index);
  const returnFocus = where.returnFocus ?? node;
  return openMenu({
    items: menuItems(),
    label: label(),
    ...where,
    returnFocus,
    onPick: (action) => run(action),
  });
}

// The keyboard's menu button: kept right after the listbox, named after the focused row.
function placeButton() {
  if (!dom.list) return;
  if (button.previousElementSibling !== dom.list) dom.list.after(button);
  button.setAttribute("aria-label", label());
}

function onButtonFocus() {
  const dots = rowAt(state.focus)?.querySelector(".item__more");
  const box = dots?.getBoundingClientRect();
  button.classList.toggle("row-actions--shown", Boolean(box));
  if (box) {
    button.style.left = `${box.left}px`;
    button.style.top = `${box.top}px`;
  }
}

function onButtonKeydown(event) {
  if (event.key === "Tab") return;
  event.stopPropagation(); // not the listbox's keys (browser/events.js listens on the view)
  if (!["Enter", " ", "ArrowDown", "ArrowUp"].includes(event.key)) return;
  event.preventDefault();
  openFromButton({ last: event.key === "ArrowUp" });
}

function openFromButton({ last = false } = {}) {
  if (!state.items.length) return;
  button.setAttribute("aria-expanded", "true");
  show(state.focus, { anchor: button, returnFocus: button, last, onClose: () => button.setAttribute("aria-expanded", "false") });
}

/** Listen for right-clicks, "⋯" clicks and Shift+F10 on the rows; add the menu button. */
export function installRowMenu() {
  const { view } = dom;
  button = el("button", { type: "button", class: "row-actions", "aria-haspopup": "menu", "aria-expanded": "false" }, "⋯");
  button.addEventListener("focus", onButtonFocus);
  button.addEventListener("blur", () => button.classList.remove("row-actions--shown"));
  button.addEventListener("keydown", onButtonKeydown);
  button.addEventListener("click", (event) => {
    if (event.detail !== 0) openFromButton(); // a keyboard click is handled on keydown
  });
  view.addEventListener("focusin", (event) => {
    if (event.target.closest('[role="option"]')) placeButton();
  });
  view.addEventListener("contextmenu", (event) => {
    const node = event.target.closest('[role="option"]');
    if (!node || event.target.closest("input")) return;
    event.preventDefault();
    show(Number(node.dataset.index), { x: event.clientX, y: event.clientY });
  });
  // Capture: the "⋯" is not a click on the row (no selection change beyond target()).
  view.addEventListener(
    "click",
    (event) => {
      const dots = event.target.closest(".item__more");
      if (!dots) return;
      event.stopPropagation();
      show(Number(dots.closest('[role="option"]').dataset.index), { anchor: dots });
    },
    true,
  );
  view.addEventListener("dblclick", (event) => event.target.closest(".item__more") && event.stopPropagation(), true);
  view.addEventListener("keydown", (event) => {
    const node = event.target.closest('[role="option"]');
    const menuKey = event.key === "ContextMenu" || (event.key === "F10" && event.shiftKey);
    if (!node || !menuKey) return;
    event.preventDefault();
    event.stopPropagation();
    show(Number(node.dataset.index), { anchor: node.querySelector(".item__more") ?? node });
  });
  window.addEventListener("popstate", () => closeMenu({ restore: false }));
}
