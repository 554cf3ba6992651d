// The file browser (`/` and `/f/<folder id>`): a listing driven by the JSON API, with list and
// grid views, sorting, infinite scroll over the cursor, multi-select with the mouse and the
// keyboard, and the actions on the selection. Uploads belong to ../home.js and ../upload-panel.js.
import { ApiError, del, downloadUrl, folderItems, get, itemPath, patch, post } from "./api.js";
import { installDrop } from "./drop.js";
import { pickFolder } from "./picker.js";
import { openViewer } from "./preview.js";
import { installSearch } from "./search.js";
import { el, fileType, formatBytes, icon, showError, timeEl, toast, TYPE_LABELS } from "./ui.js";
import { openShare } from "./share.js";
import { openVersions } from "./versions.js";

const root = document.querySelector("[data-browser]");
const view = root?.querySelector("[data-view]");
const bar = root?.querySelector("[data-selection-bar]");

const SORTS = [
  ["name", "Name"],
  ["type", "Type"],
  ["size", "Size"],
  ["modified", "Modified"],
];
const PAGE = 100;

const stored = (key, fallback, allowed) => {
  try {
    const value = localStorage.getItem(key);
    return allowed.includes(value) ? value : fallback;
  } catch {
    return fallback;
  }
};
const remember = (key, value) => {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
};

const state = {
  folder: root?.dataset.folder || null,
  items: [],
  next: null,
  breadcrumbs: [],
  sort: stored("kosha.browser.sort", "name", SORTS.flatMap(([key]) => [key, `-${key}`])),
  view: stored("kosha.browser.view", "list", ["list", "grid"]),
  selected: new Set(),
  anchor: -1,
  focus: 0,
  loading: false,
  generation: 0,
};

let list; // the listbox of the current render
let moreButton;

// --- loading ---------------------------------------------------------------------------------

async function load({ highlight = null, keepSelection = false } = {}) {
  const generation = ++state.generation;
  state.loading = true;
  view.setAttribute("aria-busy", "true");
  try {
    const page = await folderItems(state.folder, { sort: state.sort, limit: PAGE });
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
      view.removeAttribute("aria-busy");
    }
  }
  if (highlight) await reveal(highlight);
}

function accept(page, { keepSelection = false } = {}) {
  state.items = page.items;
  state.next = page.next;
  state.breadcrumbs = page.breadcrumbs;
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

async function loadMore() {
  if (!state.next || state.loading) return false;
  const generation = state.generation;
  state.loading = true;
  try {
    const page = await folderItems(state.folder, { sort: state.sort, cursor: state.next, limit: PAGE });
    if (generation !== state.generation) return false;
    const start = state.items.length;
    state.items.push(...page.items);
    state.next = page.next;
    appendRows(start);
    moreButton.hidden = !state.next;
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

// Select, focus and flash one item, reading further pages until it shows up.
async function reveal(id) {
  for (let pages = 0; pages < 50; pages += 1) {
    const index = state.items.findIndex((item) => item.id === id);
    if (index >= 0) {
      selectOnly(index);
      const row = rowAt(index);
      row?.scrollIntoView({ block: "center" });
      row?.classList.add("item--flash");
      setTimeout(() => row?.classList.remove("item--flash"), 2500);
      return;
    }
    if (!(await loadMore())) return;
  }
}

function reloadKeepingSelection() {
  return load({ keepSelection: true });
}

// --- navigation ------------------------------------------------------------------------------

function folderUrl(id) {
  return id ? `/f/${id}` : "/";
}

function navigate(folderId, { replace = false, highlight = null, push = true } = {}) {
  state.folder = folderId || null;
  root.dataset.folder = state.folder || ""; // home.js and drops on the page upload here
  if (push) {
    const url = folderUrl(state.folder) + (highlight ? `?highlight=${highlight}` : "");
    history[replace ? "replaceState" : "pushState"]({ folder: state.folder }, "", url);
  }
  return load({ highlight });
}

window.addEventListener("popstate", (event) => {
  if (!root) return;
  const folder = event.state?.folder ?? (location.pathname.match(/^\/f\/([^/]+)/)?.[1] || null);
  navigate(folder, { push: false });
});

function renderHeader() {
  const crumbs = root.querySelector("[data-crumbs] ol");
  const trail = [{ id: null, name: "My files" }, ...state.breadcrumbs];
  crumbs.replaceChildren(
    ...trail.map((crumb, index) => {
      const link = el("a", { href: folderUrl(crumb.id), "data-folder-link": crumb.id || "" }, crumb.name);
      if (index === trail.length - 1) link.setAttribute("aria-current", "page");
      return el("li", {}, link);
    }),
  );
  const title = trail[trail.length - 1].name;
  root.querySelector("[data-title]").textContent = title;
  document.title = `${title} · Kosha`;
}

// --- rendering -------------------------------------------------------------------------------

function sortButton([key, label]) {
  const active = state.sort.replace("-", "") === key;
  const descending = state.sort.startsWith("-");
  const button = el(
    "button",
    {
      type: "button",
      class: `sort sort--${key}${active ? " sort--active" : ""}`,
      "data-sort": key,
      "aria-pressed": active ? "true" : "false",
      "aria-label": `Sort by ${label.toLowerCase()}${active ? (descending ? ", descending" : ", ascending") : ""}`,
    },
    label,
  );
  if (active) button.append(el("span", { class: "sort__arrow", "aria-hidden": "true" }, descending ? " ↓" : " ↑"));
  return button;
}

function render() {
  view.replaceChildren();
  root.classList.toggle("browser--grid", state.view === "grid");
  for (const button of root.querySelectorAll("[data-view-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.viewMode === state.view));
  }
  if (!state.items.length) {
    view.append(
      el(
        "div",
        { class: "empty", "data-empty": "" },
        el("p", {}, el("strong", {}, "This folder is empty — drop files here")),
        el("p", { class: "muted" }, "…or choose “Upload”, or make a “New folder”."),
      ),
    );
    updateBar();
    return;
  }
  const current = state.breadcrumbs.at(-1)?.name || "My files";
  const head = el("div", { class: "listing__head", role: "group", "aria-label": "Sort by" }, ...SORTS.map(sortButton));
  list = el("ul", {
    class: `listing listing--${state.view}`,
    role: "listbox",
    "aria-multiselectable": "true",
    "aria-label": `Folders and files in ${current}`,
    "data-listing-items": "",
  });
  moreButton = el("button", { type: "button", class: "btn btn-secondary load-more", hidden: !state.next }, "Load more");
  moreButton.addEventListener("click", loadMore);
  const sentinel = el("div", { class: "listing__sentinel", "aria-hidden": "true" });
  view.append(head, list, moreButton, sentinel);
  appendRows(0);
  observer.disconnect();
  observer.observe(sentinel);
  updateBar();
}

function row(item, index) {
  const type = fileType(item);
  const graphic = el("span", { class: "item__graphic" }, icon(type));
  if (state.view === "grid" && item.thumbnail_url) {
    const img = el("img", { class: "item__thumb", src: item.thumbnail_url, alt: "", loading: "lazy", decoding: "async" });
    img.addEventListener("error", () => img.remove(), { once: true });
    graphic.classList.add("item__graphic--thumb");
    graphic.append(img);
  }
  const href = item.kind === "folder" ? folderUrl(item.id) : downloadUrl(item.id);
  const name = el("a", { class: "item__name", href, tabindex: "-1", title: item.name, draggable: "false" }, item.name);
  const meta = item.kind === "folder" ? "Folder" : `${TYPE_LABELS[type]}, ${formatBytes(item.size)}`;
  return el(
    "li",
    {
      role: "option",
      id: `item-${item.id}`,
      class: `item item--${item.kind}${state.selected.has(item.id) ? " item--selected" : ""}`,
      "aria-selected": String(state.selected.has(item.id)),
      "aria-description": meta,
      tabindex: index === state.focus ? "0" : "-1",
      "data-index": String(index),
      "data-id": item.id,
      "data-kind": item.kind,
    },
    graphic,
    name,
    el("span", { class: "item__type" }, TYPE_LABELS[type]),
    el("span", { class: "item__size" }, item.kind === "folder" ? "—" : formatBytes(item.size)),
    el("span", { class: "item__modified" }, timeEl(item.modified)),
  );
}

function appendRows(start) {
  const fragment = document.createDocumentFragment();
  for (let index = start; index < state.items.length; index += 1) fragment.append(row(state.items[index], index));
  list.append(fragment);
}

const rowAt = (index) => list?.children[index];

const observer = new IntersectionObserver(
  (entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  },
  { rootMargin: "400px" },
);

// --- selection -------------------------------------------------------------------------------

function paintSelection() {
  if (!list) return;
  for (const node of list.children) {
    const on = state.selected.has(node.dataset.id);
    node.setAttribute("aria-selected", String(on));
    node.classList.toggle("item--selected", on);
  }
  updateBar();
}

function setFocus(index, { move = true } = {}) {
  if (!list || !state.items.length) return;
  state.focus = Math.max(0, Math.min(index, state.items.length - 1));
  for (const node of list.querySelectorAll('[tabindex="0"]')) node.setAttribute("tabindex", "-1");
  const node = rowAt(state.focus);
  node.setAttribute("tabindex", "0");
  if (move) {
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "nearest" });
  }
}

function selectOnly(index) {
  state.selected = new Set([state.items[index].id]);
  state.anchor = index;
  setFocus(index);
  paintSelection();
}

function toggle(index) {
  const id = state.items[index].id;
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  state.anchor = index;
  setFocus(index);
  paintSelection();
}

function selectRange(index, { add = false } = {}) {
  const anchor = state.anchor < 0 ? index : state.anchor;
  const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
  if (!add) state.selected = new Set();
  for (let i = from; i <= to; i += 1) state.selected.add(state.items[i].id);
  setFocus(index);
  paintSelection();
}

function selectAll() {
  state.selected = new Set(state.items.map((item) => item.id));
  paintSelection();
}

function clearSelection() {
  state.selected = new Set();
  paintSelection();
}

const selection = () => state.items.filter((item) => state.selected.has(item.id));

function updateBar() {
  const chosen = selection();
  bar.hidden = chosen.length === 0;
  if (!chosen.length) return;
  const folders = chosen.filter((item) => item.kind === "folder").length;
  const files = chosen.length - folders;
  const parts = [];
  if (folders) parts.push(`${folders} ${folders === 1 ? "folder" : "folders"}`);
  if (files) parts.push(`${files} ${files === 1 ? "file" : "files"}`);
  bar.querySelector("[data-selection-count]").textContent = `${parts.join(" and ")} selected`;
  const one = chosen.length === 1;
  const enable = (action, on) => {
    const button = bar.querySelector(`[data-action="${action}"]`);
    button.hidden = !on;
  };
  enable("open", one);
  enable("rename", one);
  enable("versions", one && files === 1);
  enable("share", one);
  enable("copy", folders === 0);
}

// --- actions ---------------------------------------------------------------------------------

function open(item) {
  if (!item) return;
  if (item.kind === "folder") {
    navigate(item.id);
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

function startRename(index, { created = false } = {}) {
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
      const fresh = row(item, index);
      node.replaceWith(fresh);
      setFocus(index);
      toast(created ? `Created the folder “${item.name}”.` : `Renamed to “${item.name}”.`);
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

async function newFolder() {
  let name = "New folder";
  for (let attempt = 2; attempt < 50; attempt += 1) {
    try {
      const folder = await post("folders/", { name, parent: state.folder });
      await load();
      const index = state.items.findIndex((item) => item.id === folder.id);
      if (index >= 0) {
        selectOnly(index);
        rowAt(index).scrollIntoView({ block: "nearest" });
        startRename(index, { created: true });
      }
      return;
    } catch (error) {
      if (error.code !== "conflict") {
        showError(error);
        return;
      }
      name = `New folder ${attempt}`;
    }
  }
}

async function trash(items) {
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
  const label = done.length === 1 ? `“${done[0].name}”` : `${done.length} items`;
  const note = toast(`Moved ${label} to the trash.`, { timeout: 8000 });
  if (note) {
    const undo = el("button", { type: "button", class: "link-button toast__action" }, "Undo");
    undo.addEventListener("click", async () => {
      note.remove();
      for (const item of done) await post(`trash/${item.id}/restore/`).catch(showError);
      await reloadKeepingSelection();
      toast("Restored from the trash.");
    });
    note.insertBefore(undo, note.lastChild);
  }
  const first = Math.min(...done.map((item) => state.items.indexOf(item)));
  state.focus = Math.max(0, first);
  await load();
  setFocus(state.focus, { move: Boolean(list && document.activeElement === document.body) });
}

async function moveOrCopy(items, mode) {
  if (!items.length) return;
  if (mode === "copy" && items.some((item) => item.kind === "folder")) {
    showError(new Error("Folders cannot be copied yet; select only files to copy."));
    return;
  }
  const exclude = new Set(items.filter((item) => item.kind === "folder").map((item) => item.id));
  const target = await pickFolder({
    title: `${mode === "move" ? "Move" : "Copy"} ${items.length === 1 ? `“${items[0].name}”` : `${items.length} items`} to…`,
    okLabel: mode === "move" ? "Move here" : "Copy here",
    start: state.folder,
    exclude,
  });
  if (target === undefined) return;
  let count = 0;
  for (const item of items) {
    try {
      if (mode === "copy") await post(`files/${item.id}/copy/`, { folder: target });
      else if (item.kind === "folder") await patch(itemPath(item), { parent: target });
      else await patch(itemPath(item), { folder: target });
      count += 1;
    } catch (error) {
      showError(new Error(`${item.name}: ${error.message}`));
    }
  }
  if (count) toast(`${mode === "move" ? "Moved" : "Copied"} ${count === 1 ? "1 item" : `${count} items`}.`);
  await reloadKeepingSelection();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function downloadFolder(folder) {
  const note = toast(`Preparing “${folder.name}” as a zip…`, { timeout: 60000 });
  try {
    let archive = await post(`folders/${folder.id}/archive/`);
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

async function download(items) {
  for (const [index, item] of items.entries()) {
    if (item.kind === "folder") {
      downloadFolder(item);
      continue;
    }
    if (items.length === 1) {
      window.location.assign(downloadUrl(item.id));
      return;
    }
    // Several files: one hidden link each, spaced so the browser does not drop any.
    const link = el("a", { href: downloadUrl(item.id), download: "", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    if (index < items.length - 1) await sleep(400);
  }
}

function run(action) {
  const chosen = selection();
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
      return chosen[0]?.kind === "file" && openVersions(chosen[0], { onChange: reloadKeepingSelection });
    case "share": {
      const target = chosen.length === 1 ? chosen[0] : focusItem;
      return target && openShare(target);
    }
    case "trash":
      return trash(chosen);
    case "clear":
      return clearSelection();
    default:
      return undefined;
  }
}

// --- events ----------------------------------------------------------------------------------

function columns() {
  if (state.view !== "grid" || !list?.children.length) return 1;
  const top = list.children[0].offsetTop;
  let count = 0;
  for (const node of list.children) {
    if (node.offsetTop !== top) break;
    count += 1;
  }
  return Math.max(1, count);
}

function onKeydown(event) {
  if (!list || !state.items.length || event.target.closest("input, textarea, select")) return;
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
      event.preventDefault();
      if (!state.selected.size) state.selected.add(state.items[state.focus].id);
      trash(selection());
      break;
    case "F2":
      event.preventDefault();
      startRename(state.focus);
      break;
    case "s":
    case "S":
      if (mod || event.altKey) return;
      event.preventDefault();
      openShare(state.selected.size === 1 ? selection()[0] : state.items[state.focus]);
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
    const key = sort.dataset.sort;
    state.sort = state.sort === key ? `-${key}` : key;
    remember("kosha.browser.sort", state.sort);
    load();
    return;
  }
  const node = event.target.closest('[role="option"]');
  if (!node) {
    if (event.target === view || event.target.closest(".listing__sentinel")) clearSelection();
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

function install() {
  view.addEventListener("click", onClick);
  view.addEventListener("dblclick", onDblclick);
  view.addEventListener("keydown", onKeydown);
  view.addEventListener("focusin", (event) => {
    const node = event.target.closest('[role="option"]');
    if (node) state.focus = Number(node.dataset.index);
  });
  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (action) run(action.dataset.action);
    const mode = event.target.closest("[data-view-mode]");
    if (mode && mode.dataset.viewMode !== state.view) {
      state.view = mode.dataset.viewMode;
      remember("kosha.browser.view", state.view);
      const focused = list?.contains(document.activeElement);
      render();
      if (focused) setFocus(state.focus);
    }
    const crumb = event.target.closest("[data-folder-link]");
    if (crumb && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      navigate(crumb.dataset.folderLink || null);
    }
  });

  // The upload panel (../upload-panel.js) announces each stored file.
  let pending;
  const refreshSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(reloadKeepingSelection, 250);
  };
  document.addEventListener("kosha:uploaded", refreshSoon);

  installDrop({ folder: () => state.folder, onDone: refreshSoon });
  installSearch({ onPick: (result) => navigate(result.containing, { highlight: result.id }) });
}

if (root && view) {
  install();
  const highlight = new URLSearchParams(location.search).get("highlight");
  history.replaceState({ folder: state.folder }, "", location.href);
  const initial = document.getElementById("listing-data");
  if (initial && state.sort === "name") {
    accept(JSON.parse(initial.textContent));
    if (highlight) reveal(highlight);
  } else {
    load({ highlight });
  }
}

export { navigate, state };
