// The details panel of one file or folder (a side dialog): size, type, where it was made
// and changed (in the viewer's own time zone), its versions, who has access (its owner
// sees the people and links; Manage sharing opens the share dialog) and its latest
// activity. Reads GET /api/v1/{files,folders}/<id>/details/ (storage/api/details.py).
import { get } from "../lib/api.js";
import { el, timeEl } from "../lib/dom.js";
import { fileType, TYPE_LABELS } from "../lib/filetypes.js";
import { countOf, formatBytes, formatDateFull } from "../lib/format.js";
import { showError } from "../lib/toast.js";
import { itemPath } from "./endpoints.js";

let panel = null; // the page's <dialog data-details>, wired on first use
let hooks = {};
let shown = null; // the item shown

const fact = (term, ...value) => el("div", {}, el("dt", {}, term), el("dd", {}, ...value));
const date = (iso) => el("time", { datetime: iso }, formatDateFull(iso));

function facts(item, details) {
  const type = details.kind === "folder" ? "Folder" : `${TYPE_LABELS[fileType(item)]} (${details.content_type})`;
  const size =
    details.kind === "folder"
      ? `${formatBytes(details.size)} in ${countOf(details.file_count, "file")}`
      : details.size < 1024
        ? formatBytes(details.size)
        : `${formatBytes(details.size)} (${details.size.toLocaleString()} bytes)`;
  const rows = [fact("Type", type), fact("Size", size), fact("Created", date(details.created_at)), fact("Modified", date(details.modified))];
  if (details.role !== "owner") rows.push(fact("Owner", details.owner), fact("Your access", details.role));
  if (details.version_count !== null) {
    const open = el("button", { type: "button", class: "link-button details__link", "data-details-versions": "" }, "Show versions");
    rows.push(fact("Versions", `${details.version_count} `, open));
  }
  return el("dl", { class: "facts details__facts" }, ...rows);
}

function linkText(link) {
  const parts = [link.name || (link.is_drop ? "File drop link" : "Link")];
  if (link.has_password) parts.push("password");
  parts.push(`expires ${formatDateFull(link.expires_at)}`);
  if (link.max_downloads) parts.push(`${link.download_count} of ${link.max_downloads} downloads`);
  return parts.join(" · ");
}

function access(details) {
  if (details.shares === null) return [];
  const people = details.shares.map((entry) => el("li", {}, el("span", {}, entry.email), el("span", { class: "badge" }, entry.role)));
  const links = details.links.map((link) => el("li", {}, linkText(link)));
  const list = el("ul", { class: "details__list", "aria-label": "People and links with access" }, ...people, ...links);
  const manage = el("button", { type: "button", class: "btn btn-small btn-secondary", "data-details-share": "" }, "Manage sharing");
  return [
    el("h3", { class: "details__heading" }, "Who has access"),
    people.length || links.length ? list : el("p", { class: "muted small" }, "Only you."),
    manage,
  ];
}

function activity(details) {
  const rows = details.activity.map((event) =>
    el("li", {}, el("span", {}, event.label), el("span", { class: "muted small" }, event.actor ?? "A link visitor", " · ", timeEl(event.at))),
  );
  return [
    el("h3", { class: "details__heading" }, "Activity"),
    rows.length ? el("ol", { class: "details__list details__activity" }, ...rows) : el("p", { class: "muted small" }, "Nothing yet."),
  ];
}

function setUp() {
  panel = document.querySelector("[data-details]");
  if (!panel) return;
  panel.querySelector("[data-details-close]").addEventListener("click", () => panel.close());
  panel.addEventListener("click", (event) => {
    if (event.target === panel) panel.close();
    if (event.target.closest("[data-details-versions]")) {
      panel.close();
      hooks.versions?.(shown);
    }
    if (event.target.closest("[data-details-share]")) {
      panel.close();
      hooks.share?.(shown);
    }
  });
}

/** Open the details of `item` (a listing item); versions(item) and share(item) open those dialogs. */
export async function openDetails(item, { versions, share } = {}) {
  if (!panel) setUp();
  if (!panel || !item) return;
  shown = item;
  hooks = { versions, share };
  panel.querySelector("[data-details-name]").textContent = item.name;
  const body = panel.querySelector("[data-details-body]");
  body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  body.setAttribute("aria-busy", "true");
  panel.showModal();
  panel.querySelector("[data-details-close]").focus();
  try {
    const details = await get(`${itemPath(item)}details/`);
    if (shown !== item) return;
    body.replaceChildren(facts(item, details), ...access(details), ...activity(details));
  } catch (error) {
    body.replaceChildren();
    showError(error);
  } finally {
    body.removeAttribute("aria-busy");
  }
}
