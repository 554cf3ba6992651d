// Short messages in the page's live regions: polite for news, an alert for errors. An
// error that means the session ended offers "Sign in again" instead of a useless retry.
import { signInUrl } from "./api.js";
import { el } from "./dom.js";

const INFO_MS = 5_000;
const ERROR_MS = 10_000;
const MAX_SHOWN = 4; // older toasts go when more arrive, so they never pile up

/** Show `message`; returns the toast node (or undefined when the page has no region). */
export function toast(message, { kind = "info", timeout } = {}) {
  const region = document.querySelector(kind === "error" ? "[data-toasts-alert]" : "[data-toasts-polite]");
  if (!region) {
    if (kind === "error") window.alert(message);
    return undefined;
  }
  const close = el("button", { type: "button", class: "toast__close", "aria-label": "Dismiss" }, "×");
  const node = el("div", { class: `toast toast--${kind}` }, el("span", { text: message }), close);
  close.addEventListener("click", () => node.remove());
  region.append(node);
  while (region.children.length > MAX_SHOWN) region.firstElementChild.remove();
  setTimeout(() => node.remove(), timeout ?? (kind === "error" ? ERROR_MS : INFO_MS));
  return node;
}

/** Put an action (a link or a button) in a toast, before its close button. */
export function toastAction(node, action) {
  node?.insertBefore(action, node.lastChild);
  return action;
}

/** Show an error as an alert toast; a signed-out ApiError gets a "Sign in again" link. */
export function showError(error) {
  const node = toast(error?.message || String(error), { kind: "error", timeout: error?.isSignedOut ? 60_000 : undefined });
  if (error?.isSignedOut) toastAction(node, el("a", { href: signInUrl(), class: "toast__action" }, "Sign in again"));
  return node;
}
