// A dialog with a few choices (buttons) and, optionally, one checkbox: "Replace", "Keep both"
// or "Skip" for an upload whose name is taken, with "Apply to all". A modal <dialog> as in
// prompt.js and confirm.js: the page behind is inert (focus stays in the dialog), Escape or
// closing it answers `cancel`, and the dialog is removed once answered.
import { el } from "./dom.js";

let counter = 0;

/**
 * Ask the user to pick one of `choices` ([{ value, label, primary? }], in button order).
 * `check` (a label, or null for none) adds a checkbox. Resolves with { value, checked }:
 * the chosen button's value (or `cancel` on Escape) and whether the box was ticked (false
 * on Escape). Focus starts on the first choice.
 */
export function choiceDialog({ title, body = "", choices, check = null, cancel }) {
  counter += 1;
  const ids = { title: `choice-title-${counter}`, body: `choice-body-${counter}`, check: `choice-check-${counter}` };
  const buttons = choices.map(({ value, label, primary = false }) =>
    el("button", { type: "submit", value, class: primary ? "btn" : "btn btn-secondary" }, label),
  );
  const box = check ? el("input", { type: "checkbox", id: ids.check }) : null;
  const form = el(
    "form",
    { method: "dialog", class: "form" },
    el("h2", { id: ids.title }, title),
    body ? el("p", { id: ids.body }, body) : null,
    box ? el("div", { class: "choice__check" }, box, el("label", { for: ids.check }, check)) : null,
    el("div", { class: "form__actions dialog__actions" }, ...buttons),
  );
  const dialog = el(
    "dialog",
    { class: "dialog", "aria-labelledby": ids.title, "aria-describedby": body ? ids.body : null, "data-choice-dialog": "" },
    form,
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        // Escape (or any close without a button) answers `cancel`, never "for all".
        const chosen = choices.find((choice) => choice.value === dialog.returnValue);
        dialog.remove();
        resolve(chosen ? { value: chosen.value, checked: Boolean(box?.checked) } : { value: cancel, checked: false });
      },
      { once: true },
    );
    // The page behind a modal dialog is inert; Tab also wraps from the last control to the
    // first (and Shift+Tab back) instead of leaving for the browser's own controls.
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const controls = [...dialog.querySelectorAll("input, button")];
      const edge = event.shiftKey ? controls[0] : controls[controls.length - 1];
      if (document.activeElement !== edge) return;
      event.preventDefault();
      (event.shiftKey ? controls[controls.length - 1] : controls[0]).focus();
    });
    dialog.showModal();
    buttons[0]?.focus();
  });
}
