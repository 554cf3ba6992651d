// The versions panel of one file: list, download and restore (as the newest version).
import { API, get, post } from "./api.js";
import { el, formatBytes, formatDateFull, showError, timeEl, toast } from "./ui.js";

const panel = document.querySelector("[data-versions]");
let file = null;
let next = null;
let changed = () => {};

function versionRow(version) {
  const download = el(
    "a",
    { class: "btn btn-small btn-secondary", href: `${API}files/${file.id}/versions/${version.id}/download/` },
    "Download",
  );
  download.setAttribute("aria-label", `Download version ${version.number}`);
  const actions = el("div", { class: "button-group" }, download);
  if (!version.is_current) {
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

export async function openVersions(item, { onChange = () => {} } = {}) {
  if (!panel) return;
  file = item;
  changed = onChange;
  panel.querySelector("[data-versions-name]").textContent = item.name;
  panel.showModal();
  panel.querySelector("[data-versions-close]").focus();
  try {
    await refresh();
  } catch (error) {
    showError(error);
  }
}

if (panel) {
  panel.querySelector("[data-versions-close]").addEventListener("click", () => panel.close());
  panel.querySelector("[data-versions-more]").addEventListener("click", () => next && page(next).catch(showError));
  panel.addEventListener("click", (event) => {
    if (event.target === panel) panel.close();
  });
}
