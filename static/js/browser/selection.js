// Which rows are selected and which one has the keyboard focus (a roving tabindex over the
// listbox), after the platform's conventions: click, Ctrl/Cmd+click, Shift+click, Ctrl+A.
import { dom, rowAt, updateBar } from "./render.js";
import { state } from "./state.js";

export function paintSelection() {
  if (!dom.list) return;
  for (const node of dom.list.children) {
    const on = state.selected.has(node.dataset.id);
    node.setAttribute("aria-selected", String(on));
    node.classList.toggle("item--selected", on);
  }
  updateBar();
}

/** Make row `index` the one Tab reaches; move the focus there too unless move is false. */
export function setFocus(index, { move = true } = {}) {
  if (!dom.list || !state.items.length) return;
  state.focus = Math.max(0, Math.min(index, state.items.length - 1));
  for (const node of dom.list.querySelectorAll('[tabindex="0"]')) node.setAttribute("tabindex", "-1");
  const node = rowAt(state.focus);
  node.setAttribute("tabindex", "0");
  if (move) {
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "nearest" });
  }
}

export function selectOnly(index) {
  state.selected = new Set([state.items[index].id]);
  state.anchor = index;
  setFocus(index);
  paintSelection();
}

export function toggle(index) {
  const { id } = state.items[index];
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  state.anchor = index;
  setFocus(index);
  paintSelection();
}

/** Select from the anchor to `index`; with add, keep what was selected besides. */
export function selectRange(index, { add = false } = {}) {
  const anchor = state.anchor < 0 ? index : state.anchor;
  const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
  if (!add) state.selected = new Set();
  for (let i = from; i <= to; i += 1) state.selected.add(state.items[i].id);
  setFocus(index);
  paintSelection();
}

export function selectAll() {
  state.selected = new Set(state.items.map((item) => item.id));
  paintSelection();
}

export function clearSelection() {
  state.selected = new Set();
  paintSelection();
}
