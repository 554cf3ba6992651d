// The file browser's state: the folder shown, its loaded items and cursor, the sort and view
// (remembered in localStorage), the selection and the keyboard focus. Plain data: the
// modules beside it render it (render.js), change it (selection.js, listing.js) and act on
// it (actions.js).

export const SORTS = [
  ["name", "Name"],
  ["type", "Type"],
  ["size", "Size"],
  ["modified", "Modified"],
];
export const PAGE = 100;
const SORT_KEY = "kosha.browser.sort";
const VIEW_KEY = "kosha.browser.view";

function stored(key, fallback, allowed) {
  try {
    const value = localStorage.getItem(key);
    return allowed.includes(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

export const state = {
  folder: null, // uuid, or null for My files
  collection: null, // "recent" or "starred": a cross-folder view instead of a folder
  role: "owner", // what I may do here: "owner", "editor" or "viewer" (the listing says)
  owner: null, // whose files these are (an e-mail address)
  items: [],
  next: null, // cursor of the next page
  breadcrumbs: [],
  sort: stored(SORT_KEY, "name", SORTS.flatMap(([key]) => [key, `-${key}`])),
  view: stored(VIEW_KEY, "list", ["list", "grid"]),
  selected: new Set(), // item ids
  anchor: -1, // index a shift-selection extends from
  focus: 0, // index of the row with tabindex=0
  loading: false,
  generation: 0, // bumped by each load, so a late answer for an older one is ignored
};

/** Sort by `key` ("name", ...): ascending first, descending when it already sorts by it. */
export function sortToggle(key) {
  state.sort = state.sort === key ? `-${key}` : key;
  remember(SORT_KEY, state.sort);
}

export function viewSet(view) {
  state.view = view;
  remember(VIEW_KEY, view);
}

/** Whether I may add, rename, move and trash here (an owner or an editor). */
export const canEdit = () => state.role !== "viewer";

/** Whether these are my own files (only their owner shares them or deletes versions). */
export const isOwner = () => state.role === "owner";

/** The selected items, in listing order. */
export const selectedItems = () => state.items.filter((item) => state.selected.has(item.id));

export const folderUrl = (id) => (id ? `/f/${id}` : "/");

/** Whether a fresh page of the listing shows anything other than `items` (order included). */
export function listingDiffers(items, fresh) {
  return items.length !== fresh.length || items.some((item, index) => JSON.stringify(item) !== JSON.stringify(fresh[index]));
}

/** What a star toggle of `items` does: unstar when every one is starred, else star the rest. */
export function starPlan(items) {
  const unstar = items.length > 0 && items.every((item) => item.starred);
  return { unstar, targets: unstar ? items : items.filter((item) => !item.starred) };
}
