// A confirm dialog that returns a promise, on the page's <dialog data-confirm>
// (templates/files/_dialogs.html); window.confirm where there is none.

/** Resolves true when the user chose `ok`, false when they cancelled or closed it. */
export function confirmDialog({ title, body = "", ok = "OK", danger = true }) {
  const dialog = document.querySelector("[data-confirm]");
  if (!dialog?.showModal) return Promise.resolve(window.confirm(`${title}\n\n${body}`));
  dialog.querySelector("[data-confirm-title]").textContent = title;
  dialog.querySelector("[data-confirm-body]").textContent = body;
  const okButton = dialog.querySelector("[data-confirm-ok]");
  okButton.textContent = ok;
  okButton.className = danger ? "btn btn-danger" : "btn";
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
  });
}
