// The folder picker for move and copy: browses folders through the same items API.
// Resolves with a folder id, null for the root, or undefined when cancelled.
import { el, icon } from "../lib/dom.js";
import { showError } from "../lib/toast.js";
import { folderItems } from "./endpoints.js";

export function pickFolder({ title = "Choose a folder", okLabel = "Choose", start = null, exclude = new Set() } = {}) {
  const dialog = document.querySelector("[data-picker]");
  const listNode = dialog.querySelector("[data-picker-list]");
  const crumbs = dialog.querySelector("[data-picker-crumbs]");
  const more = dialog.querySelector("[data-picker-more]");
  const ok = dialog.querySelector("[data-picker-ok]");
  const cancel = dialog.querySelector("[data-picker-cancel]");
  dialog.querySelector("[data-picker-title]").textContent = title;
  ok.textContent = okLabel;

  let current = start;
  let next = null;
  let generation = 0;

  function folderRow(folder) {
    const button = el(
      "button",
      { type: "button", class: "picker__folder", "data-id": folder.id, "aria-label": `Open ${folder.name}` },
      icon("folder"),
      el("span", {}, folder.name),
    );
    button.addEventListener("click", () => browse(folder.id));
    return el("li", {}, button);
  }

  async function page(cursor) {
    const mine = generation;
    const data = await folderItems(current, { cursor, limit: 200 });
    if (mine !== generation) return null;
    const folders = data.items.filter((item) => item.kind === "folder" && !exclude.has(item.id));
    listNode.append(...folders.map(folderRow));
    // Folders come before files: once a page holds a file, no folder follows.
    next = data.items.some((item) => item.kind === "file") ? null : data.next;
    more.hidden = !next;
    return data;
  }

  async function browse(folderId) {
    current = folderId;
    generation += 1;
    listNode.replaceChildren();
    listNode.setAttribute("aria-busy", "true");
    try {
      const data = await page(null);
      if (!data) return;
      const trail = [{ id: null, name: "My files" }, ...data.breadcrumbs];
      crumbs.replaceChildren(
        el(
          "ol",
          {},
          ...trail.map((crumb, index) => {
            const last = index === trail.length - 1;
            const button = el("button", { type: "button", class: "link-button", "aria-current": last ? "location" : null }, crumb.name);
            button.addEventListener("click", () => browse(crumb.id));
            return el("li", {}, button);
          }),
        ),
      );
      if (!listNode.children.length) listNode.append(el("li", { class: "muted small picker__empty" }, "No folders here."));
      ok.disabled = exclude.has(current);
      ok.setAttribute("aria-label", `${ok.textContent}: ${trail.at(-1).name}`);
    } catch (error) {
      showError(error);
      if (current) browse(null);
    } finally {
      listNode.removeAttribute("aria-busy");
    }
  }

  more.onclick = () => next && page(next).catch(showError);

  return new Promise((resolve) => {
    let result;
    ok.onclick = () => {
      result = current;
      dialog.close();
    };
    cancel.onclick = () => dialog.close();
    dialog.addEventListener("close", () => resolve(result), { once: true });
    dialog.showModal();
    browse(start).then(() => ok.focus());
  });
}
