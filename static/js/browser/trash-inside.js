// Inside a trashed folder on the trash page: what was trashed with it (folders first), a
// trail back to the trash, and Restore on each file or subfolder: it comes back alone
// (a folder with what was trashed with it) where the trashed folder was, the rest stays.
import { get, post } from "../lib/api.js";
import { el, icon } from "../lib/dom.js";
import { fileType } from "../lib/filetypes.js";
import { formatBytes } from "../lib/format.js";
import { showError, toast, toastAction } from "../lib/toast.js";

let section = null;
let onLeave = () => {};

function ensureSection(root) {
  if (section) return section;
  section = el("section", { class: "trash-inside", "aria-labelledby": "trash-inside-title", "data-trash-inside": "", hidden: true });
  root.querySelector("[data-trash-view]").before(section);
  return section;
}

function restoredToast(restored) {
  const where = restored.folder ? `/f/${restored.folder}` : "/";
  const note = toast(`Restored “${restored.name}”.`);
  toastAction(note, el("a", { href: `${where}?highlight=${restored.id}`, class: "toast__action" }, "Show"));
}

function itemRow(item, rows) {
  const actions = el("div", { class: "button-group" });
  if (item.kind === "folder") {
    const open = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Open ${item.name}` }, "Open");
    open.addEventListener("click", () => show(item.id));
    actions.append(open);
  }
  const restore = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Restore ${item.name}` }, "Restore");
  actions.append(restore);
  const tr = el(
    "tr",
    { "data-id": item.id },
    el("td", { "data-label": "Name" }, el("span", { class: "file-name" }, icon(fileType(item)), el("span", { class: "truncate", title: item.name }, item.name))),
    el("td", { class: "num col-size", "data-label": "Size" }, item.kind === "folder" ? "—" : formatBytes(item.size)),
    el("td", { class: "actions" }, actions),
  );
  restore.addEventListener("click", async () => {
    restore.disabled = true;
    try {
      restoredToast(await post(`trash/${item.id}/restore/`));
      tr.remove();
      if (!rows.children.length) rows.append(el("tr", {}, el("td", { colspan: "3", class: "muted" }, "Nothing left in this folder.")));
    } catch (error) {
      restore.disabled = false;
      showError(error);
    }
  });
  return tr;
}

function trail(crumbs) {
  const back = el("button", { type: "button", class: "link-button" }, "Trash");
  back.addEventListener("click", leave);
  const steps = crumbs.map((crumb, index) => {
    const last = index === crumbs.length - 1;
    if (last) return el("li", {}, el("span", { "aria-current": "location" }, crumb.name));
    const button = el("button", { type: "button", class: "link-button" }, crumb.name);
    button.addEventListener("click", () => show(crumb.id));
    return el("li", {}, button);
  });
  return el("nav", { class: "crumbs", "aria-label": "Folder path in the trash" }, el("ol", {}, el("li", {}, back), ...steps));
}

async function show(folderId) {
  section.setAttribute("aria-busy", "true");
  try {
    const rows = el("tbody", {});
    const load = async (cursor) => {
      const data = await get(`trash/${folderId}/items/?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      rows.append(...data.items.map((item) => itemRow(item, rows)));
      return data;
    };
    const data = await load(null);
    if (!data.items.length) rows.append(el("tr", {}, el("td", { colspan: "3", class: "muted" }, "Nothing left in this folder.")));
    const name = data.breadcrumbs.at(-1)?.name ?? "";
    const more = el("button", { type: "button", class: "btn btn-secondary", hidden: !data.next }, "Load more");
    let next = data.next;
    more.addEventListener("click", async () => {
      const page = await load(next).catch(showError);
      next = page?.next ?? null;
      more.hidden = !next;
    });
    section.replaceChildren(
      trail(data.breadcrumbs),
      el("h2", { id: "trash-inside-title" }, `In the trash: ${name}`),
      el("p", { class: "muted small" }, "Restore brings one item back (a folder with what it held) where the trashed folder was; the rest stays in the trash."),
      el(
        "div",
        { class: "table-wrap" },
        el(
          "table",
          { class: "table files trash__table" },
          el("caption", { class: "visually-hidden" }, `Items trashed with ${name}`),
          el(
            "thead",
            {},
            el("tr", {}, el("th", { scope: "col" }, "Name"), el("th", { scope: "col", class: "num col-size" }, "Size"), el("th", { scope: "col", class: "actions" }, el("span", { class: "visually-hidden" }, "Actions"))),
          ),
          rows,
        ),
      ),
      el("p", {}, more),
    );
    section.hidden = false;
    section.querySelector("h2").setAttribute("tabindex", "-1");
    section.querySelector("h2").focus();
  } catch (error) {
    showError(error);
  } finally {
    section.removeAttribute("aria-busy");
  }
}

function leave() {
  section.hidden = true;
  section.replaceChildren();
  onLeave();
}

/** Show what trashed folder `folderId` holds in place of the trash list; `back` shows the list again. */
export function openTrashFolder(root, folderId, { back }) {
  ensureSection(root);
  onLeave = back;
  return show(folderId);
}
