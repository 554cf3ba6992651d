// Managing one public link, for the share dialog and the "Shared by me" page: copy its
// address (the clipboard, or the address selected for Ctrl+C) and edit its name, expiry,
// password and download limit through PATCH /api/v1/share-links/<id>/. The server judges
// every value (an expiry beyond the plan is refused with its message, never shortened);
// errors show in the form.
import { get, patch } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { dayEndIso, localDay } from "../lib/format.js";
import { toast } from "../lib/toast.js";

let planPromise = null;

/** The signed-in user's plan ({name, max_share_days, ...}) from usage/, asked once per page. */
export function planGet() {
  planPromise ??= get("usage/").then(
    (usage) => usage?.plan || null,
    () => {
      planPromise = null;
      return null;
    },
  );
  return planPromise;
}

/** The expiry help text for a plan (null: unknown). */
export function expiryHelp(plan) {
  if (!plan) return "";
  if (plan.max_share_days > 0) return `Your ${plan.name} plan allows links for up to ${plan.max_share_days} days from today.`;
  return `Your ${plan.name} plan does not include public links.`;
}

/**
 * Copy `text`: the clipboard API, else `input` (the field showing the address) selected and
 * copied with execCommand, else left selected for Ctrl+C. Announces the outcome in the page's
 * polite live region. Returns whether it was copied.
 */
export async function copyText(text, input = null) {
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    if (input) {
      input.focus();
      input.select();
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
  }
  toast(copied ? "Copied" : "Press Ctrl+C to copy the selected address.");
  return copied;
}

/**
 * What a PATCH should change, from the form's values and the link as listed: only what
 * differs. values: {name, expires (yyyy-mm-dd, "" keeps), password ("" keeps),
 * removePassword, maxDownloads ("" for no limit)}. Pure.
 */
export function linkChanges(link, values) {
  const body = {};
  const name = (values.name ?? "").trim();
  if (name !== (link.name || "")) body.name = name;
  if (values.expires && values.expires !== localDay(link.expires_at)) body.expires_at = dayEndIso(values.expires) ?? values.expires;
  if (values.removePassword) {
    if (link.has_password) body.password = null;
  } else if (values.password) body.password = values.password;
  const limit = values.maxDownloads === "" || values.maxDownloads === undefined ? null : Number(values.maxDownloads);
  if (limit !== (link.max_downloads ?? null)) body.max_downloads = limit;
  return body;
}

/**
 * A form editing `link` (as the list API gives it). onSaved(updated link) after a change;
 * onCancel() when closed without one. Its error line is an alert, so screen readers hear it.
 */
export function linkEditForm(link, { onSaved, onCancel }) {
  const id = (field) => `link-${link.id}-${field}`;
  const error = el("p", { class: "errorlist nonfield", role: "alert", "data-link-edit-error": true, hidden: true });
  const help = el("span", { class: "helptext", id: id("expires-help") });
  const removeBox = link.has_password
    ? el(
        "div",
        { class: "field--check" },
        el("input", { type: "checkbox", id: id("remove-password"), name: "remove_password" }),
        el("label", { for: id("remove-password") }, "Remove the password"),
      )
    : null;
  const form = el(
    "form",
    { class: "form link-edit", "data-link-edit": link.id, novalidate: true, "aria-label": `Edit the link ${link.name || ""}`.trim() },
    error,
    el(
      "div",
      {},
      el("label", { for: id("name") }, "Name ", el("span", { class: "muted" }, "(for you)")),
      el("input", { type: "text", id: id("name"), name: "name", maxlength: "100", value: link.name || "", autocomplete: "off" }),
    ),
    el(
      "div",
      {},
      el("label", { for: id("expires") }, "Expires on"),
      el("input", { type: "date", id: id("expires"), name: "expires", value: localDay(link.expires_at), "aria-describedby": id("expires-help") }),
      help,
    ),
    el(
      "div",
      {},
      el("label", { for: id("password") }, link.has_password ? "New password " : "Password ", el("span", { class: "muted" }, link.has_password ? "(empty keeps it)" : "(optional)")),
      el("input", { type: "password", id: id("password"), name: "password", autocomplete: "new-password" }),
    ),
    removeBox,
    el(
      "div",
      {},
      el("label", { for: id("max-downloads") }, "Download limit ", el("span", { class: "muted" }, "(empty: none)")),
      el("input", { type: "number", id: id("max-downloads"), name: "max_downloads", min: "1", step: "1", inputmode: "numeric", value: link.max_downloads ?? "" }),
    ),
    el(
      "div",
      { class: "form__actions" },
      el("button", { type: "submit", class: "btn btn-small" }, "Save"),
      el("button", { type: "button", class: "btn btn-small btn-secondary", "data-link-edit-cancel": true }, "Cancel"),
    ),
  );
  planGet().then((plan) => {
    help.textContent = expiryHelp(plan);
  });
  form.querySelector("[data-link-edit-cancel]").addEventListener("click", () => onCancel?.());
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      // Close the form, not the dialog around it.
      event.preventDefault();
      event.stopPropagation();
      onCancel?.();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = form.elements;
    const body = linkChanges(link, {
      name: fields.name.value,
      expires: fields.expires.value,
      password: fields.password.value,
      removePassword: fields.remove_password?.checked ?? false,
      maxDownloads: fields.max_downloads.value,
    });
    if (Object.keys(body).length === 0) {
      toast("Nothing to change.");
      onCancel?.();
      return;
    }
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    error.hidden = true;
    try {
      const updated = await patch(`share-links/${link.id}/`, body);
      toast("Link saved.");
      onSaved?.(updated);
    } catch (problem) {
      error.textContent = problem?.message || String(problem);
      error.hidden = false;
      const field = problem?.details?.field;
      const target = field && form.querySelector(`[name="${field === "expires_at" ? "expires" : field}"]`);
      (target || fields.name).focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
