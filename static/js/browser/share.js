// The share dialog of one file or folder: public links (made with a name, an expiry, a
// password, a download limit, or as a file drop for a folder; listed with whether each
// works now, their address copied, edited and revoked) and shares with
// people (added by email as viewer or editor, role changed, removed). The lists have no
// filter by item, so the dialog reads the owner's lists and keeps this item's entries.
import { del, get, patch, post } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { dayEndIso, formatDateFull, localDay } from "../lib/format.js";
import { toast } from "../lib/toast.js";
import { copyText, expiryHelp, linkEditForm, planGet } from "./link-edit.js";

let dialog = null; // the page's <dialog data-share>, wired on first use
const MAX_PAGES = 20;
let item = null;
let opener = null;
let plan = null;

const $ = (selector) => dialog.querySelector(selector);

function dialogError(error) {
  const box = $("[data-share-error]");
  box.textContent = error ? error.message || String(error) : "";
  box.hidden = !error;
}

// Run an API call for the dialog: errors show in the dialog, not as a toast behind it.
async function attempt(work) {
  dialogError(null);
  try {
    return await work();
  } catch (error) {
    dialogError(error);
    return undefined;
  }
}

const isThisItem = (entry) => entry.item.id === item.id && entry.item.kind === item.kind;

async function everyPage(path) {
  const found = [];
  let cursor = null;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const params = new URLSearchParams({ limit: "100" });
    if (cursor) params.set("cursor", cursor);
    const page = await get(`${path}?${params}`);
    found.push(...page.items.filter(isThisItem));
    cursor = page.next;
    if (!cursor) break;
  }
  return found;
}

// --- public links ---------------------------------------------------------------------------

function linkRow(link) {
  // The server says whether the link works now, and why not (sharing.access.link_state).
  const live = link.state === "live";
  const title = link.name || `Link made ${formatDateFull(link.created_at)}`;
  const facts = [
    link.is_drop ? "File drop" : "Download link",
    link.expires_at ? `expires ${formatDateFull(link.expires_at)}` : "never expires",
    link.has_password ? "password" : null,
    link.max_downloads ? `${link.download_count} of ${link.max_downloads} downloads` : `${link.download_count} downloads`,
  ].filter(Boolean);
  const row = el(
    "li",
    { class: `share-entry share-entry--${link.state}`, "data-share-link": link.id },
    el(
      "div",
      { class: "share-entry__info" },
      el("span", { class: "share-entry__name" }, title),
      el("span", { class: `badge${live ? " badge--success" : ""}`, "data-link-state": link.state }, link.state_label),
      el("div", { class: "muted small" }, facts.join(" · ")),
    ),
  );
  const actions = el("div", { class: "share-entry__actions" });
  if (link.url) {
    const copy = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Copy link: ${title}` }, "Copy link");
    copy.addEventListener("click", () => copyText(link.url));
    actions.append(copy);
  }
  const edit = el("button", { type: "button", class: "btn btn-small btn-secondary", "aria-label": `Edit ${title}`, "aria-expanded": "false" }, "Edit");
  edit.addEventListener("click", () => {
    const open = row.querySelector("[data-link-edit]");
    if (open) {
      open.remove();
      edit.setAttribute("aria-expanded", "false");
      return;
    }
    const form = linkEditForm(link, {
      onSaved: async () => {
        await loadLinks();
        dialog.querySelector(`[data-share-link="${link.id}"] button[aria-label^="Edit"]`)?.focus();
      },
      onCancel: () => {
        form.remove();
        edit.setAttribute("aria-expanded", "false");
        edit.focus();
      },
    });
    row.append(form);
    edit.setAttribute("aria-expanded", "true");
    form.elements.name.focus();
  });
  // "Turn off", as "Shared by me" says it and the link's state ("Turned off") reads after.
  const turnOff = el("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": `Turn off ${title}` }, "Turn off");
  turnOff.addEventListener("click", async () => {
    turnOff.disabled = true;
    const done = await attempt(() => del(`share-links/${link.id}/`).then(() => true));
    if (done) {
      toast("The link is turned off: it no longer opens.");
      await loadLinks();
    } else turnOff.disabled = false;
  });
  actions.append(edit, turnOff);
  row.append(actions);
  return row;
}

async function loadLinks() {
  const list = $("[data-share-links]");
  const links = await attempt(() => everyPage("share-links/"));
  if (!links) return;
  const shown = links.filter((link) => !link.revoked_at);
  list.replaceChildren(...shown.map(linkRow));
  $("[data-share-links-empty]").hidden = shown.length > 0;
}

async function createLink(event) {
  event.preventDefault();
  const form = event.target;
  const body = { [item.kind]: item.id };
  if (form.elements.name.value.trim()) body.name = form.elements.name.value.trim();
  // The end of the chosen day in this browser's zone; a day beyond the plan is the server's to refuse.
  const expires = dayEndIso(form.elements.expires.value);
  if (expires) body.expires_at = expires;
  if (form.elements.password.value) body.password = form.elements.password.value;
  if (form.elements.max_downloads.value) body.max_downloads = Number(form.elements.max_downloads.value);
  if (item.kind === "folder" && form.elements.is_drop.checked) body.is_drop = true;
  const submit = form.querySelector("[type=submit]");
  submit.disabled = true;
  const link = await attempt(() => post("share-links/", body));
  submit.disabled = false;
  if (!link) return;
  form.reset();
  const created = $("[data-share-created]");
  created.hidden = false;
  $("[data-share-url]").value = link.url;
  $("[data-share-copy]").focus();
  toast(link.is_drop ? "File drop link created." : "Link created.");
  await loadLinks();
}

async function copyUrl() {
  const input = $("[data-share-url]");
  const copied = await copyText(input.value, input);
  $("[data-share-copy-status]").textContent = copied ? "Copied." : "Press Ctrl+C to copy the selected link.";
}

// --- people ---------------------------------------------------------------------------------

function personRow(share) {
  const id = `share-role-${share.id}`;
  const select = el(
    "select",
    { id, class: "share-entry__role" },
    el("option", { value: "viewer" }, "Viewer"),
    el("option", { value: "editor" }, "Editor"),
  );
  select.value = share.role;
  select.addEventListener("change", async () => {
    const updated = await attempt(() => patch(`shares/${share.id}/`, { role: select.value }));
    if (updated) toast(`${share.grantee} is now ${updated.role === "editor" ? "an editor" : "a viewer"}.`);
    else select.value = share.role;
    if (updated) share.role = updated.role;
  });
  const remove = el("button", { type: "button", class: "btn btn-small btn-danger", "aria-label": `Stop sharing with ${share.grantee}` }, "Remove");
  remove.addEventListener("click", async () => {
    remove.disabled = true;
    const done = await attempt(() => del(`shares/${share.id}/`).then(() => true));
    if (done) {
      toast(`Stopped sharing with ${share.grantee}.`);
      await loadPeople();
    } else remove.disabled = false;
  });
  return el(
    "li",
    { class: "share-entry", "data-share-person": share.grantee },
    el("div", { class: "share-entry__info" }, el("span", {}, share.grantee)),
    el("label", { for: id, class: "visually-hidden" }, `Role of ${share.grantee}`),
    select,
    remove,
  );
}

async function loadPeople() {
  const shares = await attempt(() => everyPage("shares/"));
  if (!shares) return;
  $("[data-share-people]").replaceChildren(...shares.map(personRow));
  $("[data-share-people-empty]").hidden = shares.length > 0;
}

async function addPerson(event) {
  event.preventDefault();
  const form = event.target;
  const email = form.elements.email.value.trim();
  if (!email) return;
  const share = await attempt(() => post("shares/", { [item.kind]: item.id, email, role: form.elements.role.value }));
  if (!share) return;
  form.reset();
  toast(`Shared with ${share.grantee}.`);
  await loadPeople();
}

// --- the dialog -----------------------------------------------------------------------------

async function loadPlan() {
  plan = await planGet();
}

function applyPlan() {
  const input = $("#share-expires");
  input.min = localDay(new Date().toISOString());
  // No max: a later day is sent as chosen and the server says the plan's limit.
  $("[data-share-expiry-help]").textContent = plan ? `Empty for the default. ${expiryHelp(plan)}` : "";
}

function setUp() {
  dialog = document.querySelector("[data-share]");
  if (!dialog) return;
  $("[data-share-close]").addEventListener("click", () => dialog.close());
  $("[data-share-link-form]").addEventListener("submit", createLink);
  $("[data-share-people-form]").addEventListener("submit", addPerson);
  $("[data-share-copy]").addEventListener("click", copyUrl);
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    delete dialog.dataset.loaded;
    // Focus goes back to what opened the dialog (the Share button, or the row).
    if (opener?.isConnected) opener.focus();
    opener = null;
  });
}

/** Open the share dialog of a file or folder item ({id, kind, name}). */
export async function openShare(target) {
  if (!dialog) setUp();
  if (!dialog) return;
  item = target;
  opener = document.activeElement;
  $("[data-share-name]").textContent = item.name;
  $("[data-share-kind]").textContent = item.kind;
  $("[data-share-drop-field]").hidden = item.kind !== "folder";
  $("[data-share-created]").hidden = true;
  $("[data-share-url]").value = "";
  $("[data-share-copy-status]").textContent = "";
  for (const form of dialog.querySelectorAll("form")) form.reset();
  dialogError(null);
  $("[data-share-links]").replaceChildren();
  $("[data-share-people]").replaceChildren();
  dialog.showModal();
  $("[data-share-close]").focus();
  await loadPlan();
  applyPlan();
  await Promise.all([loadLinks(), loadPeople()]);
  dialog.dataset.loaded = item.id;
}

