// The versions panel of one file: list, download and restore (as the newest version).
import { get, post } from "../lib/api.js";
import { el, timeEl } from "../lib/dom.js";
import { formatBytes, formatDateFull } from "../lib/format.js";
import { showError, toast } from "../lib/toast.js";
import { versionDownloadUrl } from "./endpoints.js";

let panel = null; // the page's <dialog data-versions>, wired on first use
let file = null;
let next = null;
let changed = () => {};
let restorable = true; // a viewer sees and downloads versions, an editor also restores them

function versionRow(version) {
  const download = el(
    "a",
    { class: "btn btn-small btn-secondary", href: versionDownloadUrl(file.id, version.id) },
    "Download",
  );
  download.setAttribute("aria-label", `Download version ${version.number}`);
  const actions = el("div", { class: "button-group" }, download);
  if (!version.is_current && restorable) {
    const restore = el(
      "button",
      { type: "button", class: "btn btn-small", "aria-label": `Restore version ${version.number}` },
      "Restore",
    );
    restore.addEventListener("click", async () => {
      restore.disabled = true;
      try {
        await post(`files/${file.id}/versions/${version.id}/restore/`);
        toast(`Version ${version.number} restored as the newest version.`);
        await refresh();
        changed();
      } catch (error) {
        showError(error);
        restore.disabled = false;
      }
    });
    actions.append(restore);
  }
  return el(
    "li",
    { class: `version${version.is_current ? " version--current" : ""}` },
    el(
      "div",
      { class: "version__info" },
      el("strong", {}, `Version ${version.number}`),
      version.is_current ? el("span", { class: "badge badge--success" }, "current") : null,
      el("div", { class: "muted small", title: formatDateFull(version.created_at) }, timeEl(version.created_at), ` · ${formatBytes(version.size)}`),
    ),
    actions,
  );
}

async function page(cursor) {
  const params = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  const data = await get(`files/${file.id}/versions/${params}`);
  panel.querySelector("[data-versions-list]").append(...data.items.map(versionRow));
  next = data.next;
  panel.querySelector("[data-versions-more]").hidden = !next;
}

async function refresh() {
  panel.querySelector("[data-versions-list]").replaceChildren();
  await page(null);
}

function setUp() {
  panel = document.querySelector("[data-versions]");
  if (!panel) return;
  panel.querySelector("[data-versions-close]").addEventListener("click", () => panel.close());
  panel.querySelector("[data-versions-more]").addEventListener("click", () => next && page(next).catch(showError));
  panel.addEventListener("click", (event) => {
    if (event.target === panel) panel.close();
  });
}

/** Open the versions dialog of a file; onChange() runs after a restore (offered when canRestore). */
export async function openVersions(item, { onChange = () => {}, canRestore = true } = {}) {
  if (!panel) setUp();
  if (!panel) return;
  file = item;
  changed = onChange;
  restorable = canRestore;
  panel.querySelector("[data-versions-name]").textContent = item.name;
  panel.showModal();
  panel.querySelector("[data-versions-close]").focus();
  try {
    await refresh();
  } catch (error) {
    showError(error);
  }
}
