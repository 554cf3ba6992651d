// The file browser drawn from its state: breadcrumbs and title, the sort buttons, the
// listbox of rows (list or grid), "Load more" with infinite scroll, and the selection bar.
import { el, icon, timeEl } from "../lib/dom.js";
import { fileType, TYPE_LABELS } from "../lib/filetypes.js";
import { countOf, formatBytes } from "../lib/format.js";
import { canEdit, folderUrl, isOwner, selectedItems, SORTS, state } from "./state.js";

/** The page's nodes: root ([data-browser]), view, bar, and the current render's list. */
export const dom = { root: null, view: null, bar: null, list: null, moreButton: null };
let onMore = () => {};
let observer = null;

/** Bind to the page: `root` is [data-browser]; `more` loads the next page. */
export function renderInstall(root, { more }) {
  dom.root = root;
  dom.view = root.querySelector("[data-view]");
  dom.bar = root.querySelector("[data-selection-bar]");
  onMore = more;
  observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onMore();
    },
    { rootMargin: "400px" },
  );
}

/** Breadcrumbs, title, and what the folder's role allows: a shared folder's trail starts at
 * "Shared with me" (its owner's folders above the share are not mine to see), and a viewer
 * gets no New folder, Upload or drop zone. */
export function renderHeader() {
  if (state.collection) {
    // One fixed title, no trail: items come from many folders.
    document.title = `${dom.root.dataset.collectionTitle} · Kosha`;
    renderRole();
    return;
  }
  const crumbs = dom.root.querySelector("[data-crumbs] ol");
  const top = isOwner()
    ? el("a", { href: folderUrl(null), "data-folder-link": "" }, "My files")
    : el("a", { href: "/shared/" }, "Shared with me");
  const links = [
    top,
    ...state.breadcrumbs.map((crumb) => el("a", { href: folderUrl(crumb.id), "data-folder-link": crumb.id }, crumb.name)),
  ];
  links.at(-1).setAttribute("aria-current", "page");
  crumbs.replaceChildren(...links.map((link) => el("li", {}, link)));
  const title = links.at(-1).textContent;
  dom.root.querySelector("[data-title]").textContent = title;
  document.title = `${title} · Kosha`;
  renderRole();
}

function renderRole() {
  const { root } = dom;
  root.dataset.role = state.role;
  const editable = canEdit();
  for (const node of root.querySelectorAll('[data-action="new-folder"], [data-upload-chooser]')) node.hidden = !editable;
  // upload-panel.js takes drops on [data-upload-drop] zones: none where I may not add.
  root.toggleAttribute("data-upload-drop", editable);
  siteNavMark();
  const elsewhere = document.querySelector("[data-usage-elsewhere]");
  if (elsewhere) {
    // The card shows the viewer's own storage; a shared folder's uploads count in its owner's.
    elsewhere.hidden = isOwner();
    elsewhere.querySelector("[data-usage-owner]").textContent = state.owner ?? "";
  }
  const sharedBy = root.querySelector("[data-shared-by]");
  if (sharedBy) {
    sharedBy.hidden = isOwner();
    sharedBy.querySelector("[data-shared-owner]").textContent = state.owner ?? "";
    const badge = sharedBy.querySelector("[data-role-badge]");
    badge.textContent = state.role;
    badge.classList.toggle("badge--success", editable);
  }
}

/** The main navigation's section for the folder shown: "Files" for mine, "Shared with me"
 * for someone else's (the server marks the first page; moving between folders here does
 * not reload it). The collections (Recent, Starred) are sections of their own. */
function siteNavMark() {
  if (state.collection) return;
  const section = isOwner() ? "files" : "shared";
  const current = isOwner() && !state.folder ? "page" : "location"; // "Files" itself is my root
  for (const link of document.querySelectorAll("[data-site-nav-section]")) {
    if (link.dataset.siteNavSection === section) link.setAttribute("aria-current", current);
    else link.removeAttribute("aria-current");
  }
  const label = document.querySelector("[data-site-nav-here]");
  const marked = document.querySelector("[data-site-nav-links] a[aria-current]");
  if (label && marked) label.textContent = marked.firstChild.textContent.trim();
}

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

/** Draw the whole listing again from state. */
export function render() {
  const { root, view } = dom;
  view.replaceChildren();
  root.classList.toggle("browser--grid", state.view === "grid");
  for (const button of root.querySelectorAll("[data-view-mode]")) {
    button.setAttribute("aria-pressed", String(button.dataset.viewMode === state.view));
  }
  if (!state.items.length) {
    dom.list = null;
    view.append(
      el(
        "div",
        { class: "empty", "data-empty": "" },
        ...(state.collection
          ? [el("p", {}, el("strong", {}, "Nothing here yet.")), el("p", { class: "muted" }, dom.root.dataset.collectionEmpty)]
          : canEdit()
          ? [
              el("p", {}, el("strong", {}, "This folder is empty — drop files here")),
              el("p", { class: "muted" }, "…or choose “Upload”, or make a “New folder”."),
            ]
          : [el("p", {}, el("strong", {}, "This folder is empty."))]),
      ),
    );
    updateBar();
    return;
  }
  const current = state.collection ? dom.root.dataset.collectionTitle : state.breadcrumbs.at(-1)?.name || "My files";
  // A collection has one order (newest first): no sort buttons.
  const head = state.collection
    ? el("div", { class: "listing__head", hidden: true })
    : el("div", { class: "listing__head", role: "group", "aria-label": "Sort by" }, ...SORTS.map(sortButton));
  dom.list = el("ul", {
    class: `listing listing--${state.view}`,
    role: "listbox",
    "aria-multiselectable": "true",
    "aria-label": state.collection ? current : `Folders and files in ${current}`,
    "data-listing-items": "",
  });
  dom.moreButton = el("button", { type: "button", class: "btn btn-secondary load-more", hidden: !state.next }, "Load more");
  dom.moreButton.addEventListener("click", () => onMore());
  const sentinel = el("div", { class: "listing__sentinel", "aria-hidden": "true" });
  view.append(head, dom.list, dom.moreButton, sentinel);
  appendRows(0);
  observer.disconnect();
  observer.observe(sentinel);
  updateBar();
}

const SVG = "http://www.w3.org/2000/svg";

/** The small star on a starred item's icon (a picture: the row's description says "starred"). */
function starBadge() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "item__star");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "m12 2.5 2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z");
  svg.append(path);
  return svg;
}

/** The row (an option of the listbox) of items[index]. */
export function row(item, index) {
  const type = fileType(item);
  const graphic = el("span", { class: "item__graphic" }, icon(type));
  if (state.view === "grid" && item.thumbnail_url) {
    const img = el("img", { class: "item__thumb", src: item.thumbnail_url, alt: "", loading: "lazy", decoding: "async" });
    img.addEventListener("error", () => img.remove(), { once: true });
    graphic.classList.add("item__graphic--thumb");
    graphic.append(img);
  }
  // Text, not a link: an option holds no interactive content (axe nested-interactive);
  // the row opens on Enter, a double click or a click on the name (browser/events.js).
  const name = el("span", { class: "item__name", title: item.name }, item.name);
  const meta = [item.kind === "folder" ? "Folder" : `${TYPE_LABELS[type]}, ${formatBytes(item.size)}`];
  if (item.starred) meta.push("starred");
  if (state.collection && item.role && item.role !== "owner") meta.push(`shared by ${item.owner}`);
  if (item.starred) graphic.append(starBadge());
  return el(
    "li",
    {
      role: "option",
      id: `item-${item.id}`,
      class: `item item--${item.kind}${state.selected.has(item.id) ? " item--selected" : ""}`,
      "aria-selected": String(state.selected.has(item.id)),
      "aria-description": meta.join(", "),
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
    // A pointer target only (an option holds no button): browser/row-menu.js.
    el("span", { class: "item__more", "aria-hidden": "true", title: "Actions" }, "⋯"),
  );
}

/** Append the rows of items[start:] (after a page was loaded). */
export function appendRows(start) {
  const fragment = document.createDocumentFragment();
  for (let index = start; index < state.items.length; index += 1) fragment.append(row(state.items[index], index));
  dom.list.append(fragment);
  if (dom.moreButton) dom.moreButton.hidden = !state.next;
}

export const rowAt = (index) => dom.list?.children[index];

/** The selection bar: what is selected, and only the actions that fit it. */
export function updateBar() {
  const { bar } = dom;
  const chosen = selectedItems();
  bar.hidden = chosen.length === 0;
  if (!chosen.length) return;
  const folders = chosen.filter((item) => item.kind === "folder").length;
  const files = chosen.length - folders;
  const parts = [];
  if (folders) parts.push(countOf(folders, "folder"));
  if (files) parts.push(countOf(files, "file"));
  bar.querySelector("[data-selection-count]").textContent = `${parts.join(" and ")} selected`;
  const one = chosen.length === 1;
  const editable = canEdit();
  const show = (action, on) => {
    bar.querySelector(`[data-action="${action}"]`).hidden = !on;
  };
  show("open", one);
  show("rename", one && editable);
  show("move", editable);
  show("trash", editable);
  show("versions", one && files === 1);
  show("share", one && isOwner());
  show("copy", true);
  show("details", one);
  // Star all, or unstar when every selected item is starred already.
  const starButton = bar.querySelector('[data-action="star"]');
  if (starButton) starButton.textContent = chosen.every((item) => item.starred) ? "Unstar" : "Star";
}
