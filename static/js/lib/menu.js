// A popup menu of actions after the WAI-ARIA menu pattern: ↑/↓ (wrapping), Home/End and a
// typed letter move between items, Enter/Space pick one, Escape or Tab closes it and puts
// the focus back where it was. One menu is open at a time; a click outside closes it.
import { el } from "./dom.js";

let current = null;

/** Close the open menu, if any; with restore, focus goes back to what opened it. */
export function closeMenu({ restore = true } = {}) {
  if (!current) return;
  const { node, returnFocus, onClose } = current;
  current = null;
  node.remove();
  document.removeEventListener("pointerdown", onOutside, true);
  window.removeEventListener("resize", onDismiss);
  window.removeEventListener("scroll", onDismiss, true);
  if (restore && returnFocus?.isConnected) returnFocus.focus({ preventScroll: true });
  onClose?.();
}

function onOutside(event) {
  if (current && !current.node.contains(event.target)) closeMenu({ restore: false });
}

function onDismiss(event) {
  if (current && !current.node.contains(event.target)) closeMenu();
}

function focusItem(items, index) {
  const target = items[(index + items.length) % items.length];
  target?.focus();
}

function onKeydown(event) {
  const items = [...current.node.querySelectorAll('[role="menuitem"]')];
  const index = items.indexOf(document.activeElement);
  const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 };
  event.stopPropagation();
  if (event.key in moves) {
    event.preventDefault();
    focusItem(items, moves[event.key]);
  } else if (event.key === "Escape" || event.key === "Tab") {
    event.preventDefault();
    closeMenu();
  } else if (event.key.length === 1 && /\S/.test(event.key)) {
    const letter = event.key.toLowerCase();
    const after = [...items.slice(index + 1), ...items.slice(0, index + 1)];
    after.find((item) => item.textContent.trim().toLowerCase().startsWith(letter))?.focus();
  }
}

/**
 * Open a menu of `items` ([{ action, label, danger }]) named `label`, at the viewport point
 * { x, y } (a right-click) or below `anchor` (an element); the first item (the last with
 * last) takes the focus. Picking an item closes the menu, puts the focus back on
 * returnFocus, then calls onPick(action). Returns the menu node.
 */
export function openMenu({ items, label, x, y, anchor, returnFocus, onPick, onClose, last = false }) {
  closeMenu({ restore: false });
  const node = el("div", { class: "menu", role: "menu", "aria-label": label, tabindex: "-1" });
  for (const item of items) {
    const button = el(
      "button",
      { type: "button", role: "menuitem", tabindex: "-1", class: `menu__item${item.danger ? " menu__item--danger" : ""}`, "data-menu-action": item.action },
      item.label,
    );
    button.addEventListener("click", () => {
      closeMenu();
      onPick(item.action);
    });
    node.append(button);
  }
  node.addEventListener("keydown", onKeydown);
  document.body.append(node);
  current = { node, returnFocus: returnFocus ?? document.activeElement, onClose };
  // Place it, then keep it inside the viewport.
  const box = anchor?.getBoundingClientRect();
  const left = box ? box.right - node.offsetWidth : x;
  const top = box ? box.bottom + 4 : y;
  node.style.left = `${Math.max(4, Math.min(left, window.innerWidth - node.offsetWidth - 4))}px`;
  node.style.top = `${Math.max(4, top + node.offsetHeight > window.innerHeight ? (box ? box.top - node.offsetHeight - 4 : top - node.offsetHeight) : top)}px`;
  document.addEventListener("pointerdown", onOutside, true);
  window.addEventListener("resize", onDismiss);
  window.addEventListener("scroll", onDismiss, true);
  focusItem([...node.children], last ? -1 : 0);
  return node;
}

/** Whether a menu is open. */
export const menuOpen = () => current !== null;
