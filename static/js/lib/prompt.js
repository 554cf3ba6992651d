// A one-field dialog that asks for a value (a new folder's name) before anything is made:
// the caller's `submit` does the work, and its error shows in the dialog, which stays open
// with the value kept, so nothing half-made is left behind.
import { el } from "./dom.js";

let counter = 0;

/**
 * Ask for a value. `submit(value)` runs on OK and resolves with the result (the dialog
 * closes) or rejects with an Error whose message shows under the field (it stays open).
 * Resolves with submit's result, or undefined when cancelled.
 */
export function promptDialog({ title, label, value = "", ok = "OK", submit }) {
  counter += 1;
  const ids = { title: `prompt-title-${counter}`, input: `prompt-input-${counter}`, error: `prompt-error-${counter}` };
  const input = el("input", { type: "text", id: ids.input, value, maxlength: "255", required: true, autocomplete: "off" });
  const error = el("p", { id: ids.error, class: "errorlist nonfield", role: "alert", hidden: true });
  const okButton = el("button", { type: "submit", class: "btn" }, ok);
  const cancel = el("button", { type: "button", class: "btn btn-secondary" }, "Cancel");
  const form = el(
    "form",
    { class: "form" },
    el("h2", { id: ids.title }, title),
    el("div", { class: "field" }, el("label", { for: ids.input }, label), input, error),
    el("div", { class: "form__actions dialog__actions" }, cancel, okButton),
  );
  const dialog = el("dialog", { class: "dialog", "aria-labelledby": ids.title }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let result;
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = input.value.trim();
      if (!chosen) return;
      okButton.disabled = true;
      try {
        result = await submit(chosen);
        dialog.close();
      } catch (failure) {
        error.textContent = failure?.message || String(failure);
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", ids.error);
        input.focus();
        input.select();
      } finally {
        okButton.disabled = false;
      }
    });
    dialog.showModal();
    input.focus();
    input.select();
  });
}
