// Loading the listing over the API (a page at a time, on the cursor) and moving between
// folders with the history API, so Back, Forward and reload show the same folder.
import { ApiError } from "../lib/api.js";
import { showError } from "../lib/toast.js";
import { listingItems } from "./endpoints.js";
import { appendRows, dom, render, renderHeader, rowAt } from "./render.js";
import { selectOnly, setFocus } from "./selection.js";
import { folderUrl, PAGE, state } from "./state.js";

const REVEAL_MAX_PAGES = 50;

/** Take a first page ({items, next, breadcrumbs, role, owner}) as the listing and draw it. */
export function accept(page, { keepSelection = false } = {}) {
  state.items = page.items;
  state.next = page.next;
  state.breadcrumbs = page.breadcrumbs;
  state.role = page.role ?? "owner";
  state.owner = page.owner ?? null;
  const ids = new Set(page.items.map((item) => item.id));
  state.selected = keepSelection ? new Set([...state.selected].filter((id) => ids.has(id))) : new Set();
  state.focus = Math.min(state.focus, Math.max(page.items.length - 1, 0));
  if (!keepSelection) {
    state.anchor = -1;
    state.focus = 0;
  }
  renderHeader();
  render();
}

/** Load the current folder's first page; then select and show `highlight` (an item id). */
export async function load({ highlight = null, keepSelection = false } = {}) {
  const generation = ++state.generation;
  state.loading = true;
  dom.view.setAttribute("aria-busy", "true");
  try {
    const page = await listingItems(state, { limit: PAGE });
    if (generation !== state.generation) return;
    accept(page, { keepSelection });
  } catch (error) {
    if (generation !== state.generation) return;
    if (error instanceof ApiError && error.status === 404 && state.folder) {
      showError(new Error("That folder is gone (trashed or moved out of reach). Showing My files."));
      navigate(null, { replace: true });
      return;
    }
    showError(error);
  } finally {
    if (generation === state.generation) {
      state.loading = false;
      dom.view.removeAttribute("aria-busy");
    }
  }
  if (highlight) await reveal(highlight);
}

export const reloadKeepingSelection = () => load({ keepSelection: true });

/** Append the next page; resolves false when there is none or it failed. */
export async function loadMore() {
  if (!state.next || state.loading) return false;
  const { generation } = state;
  state.loading = true;
  try {
    const page = await listingItems(state, { cursor: state.next, limit: PAGE });
    if (generation !== state.generation) return false;
    const start = state.items.length;
    state.items.push(...page.items);
    state.next = page.next;
    appendRows(start);
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

/** Select, focus and flash one item, reading further pages until it shows up. */
export async function reveal(id) {
  for (let pages = 0; pages < REVEAL_MAX_PAGES; pages += 1) {
    const index = state.items.findIndex((item) => item.id === id);
    if (index >= 0) {
      selectOnly(index);
      const node = rowAt(index);
      node?.scrollIntoView({ block: "center" });
      node?.classList.add("item--flash");
      setTimeout(() => node?.classList.remove("item--flash"), 2500);
      return;
    }
    if (!(await loadMore())) return;
  }
}

/** Show folder `folderId` (null: My files), adding a history entry unless push is false.
 * With `focus`, keyboard focus lands in the new listing (on `highlight`, else its first
 * row; on the heading when it is empty) instead of falling to the page body. */
export async function navigate(folderId, { replace = false, highlight = null, push = true, focus = false } = {}) {
  if (state.collection) {
    // Recent and Starred open a folder on its own page.
    window.location.assign(folderUrl(folderId || null) + (highlight ? `?highlight=${highlight}` : ""));
    return;
  }
  state.folder = folderId || null;
  dom.root.dataset.folder = state.folder || ""; // the Upload button and drops on the page upload here
  if (push) {
    const url = folderUrl(state.folder) + (highlight ? `?highlight=${highlight}` : "");
    history[replace ? "replaceState" : "pushState"]({ folder: state.folder }, "", url);
  }
  const generation = state.generation + 1;
  await load({ highlight });
  if (!focus || generation !== state.generation) return;
  if (state.items.length && dom.list) {
    if (!highlight || !dom.list.contains(document.activeElement)) setFocus(state.focus);
  } else {
    const title = dom.root.querySelector("[data-title]");
    title?.setAttribute("tabindex", "-1");
    title?.focus();
  }
}

/** Go to the folder above this one, its row focused there (Backspace, Alt+↑). A
 * collaborator at the top of a shared folder goes back to "Shared with me". */
export function navigateUp() {
  if (!state.folder) return;
  const from = state.folder;
  if (state.breadcrumbs.length <= 1 && state.role !== "owner") {
    window.location.assign("/shared/");
    return;
  }
  const parent = state.breadcrumbs.at(-2)?.id ?? null;
  history.pushState({ folder: parent }, "", folderUrl(parent)); // the plain address: no ?highlight
  navigate(parent, { highlight: from, focus: true, push: false });
}

/** Back and Forward move between folders without reloading the page. */
export function installHistory() {
  history.replaceState({ folder: state.folder }, "", location.href);
  window.addEventListener("popstate", (event) => {
    const folder = event.state?.folder ?? (location.pathname.match(/^\/f\/([^/]+)/)?.[1] || null);
    navigate(folder, { push: false });
  });
}
