// Entry point of a folder shared with me (/shared/f/<id>, templates/sharing/shared_folder.html),
// loaded only for editors: rename and trash its items through the same item endpoints as the

import { del, patch } from "../lib/api.js";
import { confirmDialog } from "../lib/confirm.js";
import { showError } from "../lib/toast.js";

function itemPath(row) {
  return `shared/${row.dataset.kind === "folder" ? "folders" : "files"}/${row.dataset.item}/`;
}

async function rename(row) {
  const name = window.prompt(`New name for “${row.dataset.name}”`, row.dataset.name)?.trim();
  if (!name || name === row.dataset.name) return;
  await patch(itemPath(row), { name });
  window.location.reload();
}

async function trash(row) {
  const ok = await confirmDialog({
    title: `Move “${row.dataset.name}” to the trash?`,
    body: "It goes to the owner's trash, where they can restore it.",
    ok: "Move to trash",
  });
  if (!ok) return;
  await del(itemPath(row));
  window.location.reload();
}

const table = document.querySelector("[data-shared-folder]");
table?.addEventListener("click", (event) => {
  const button = event.target.closest("[data-shared-action]");
  if (!button) return;
  const row = button.closest("[data-item]");
  const action = button.dataset.sharedAction === "rename" ? rename : trash;
  action(row).catch(showError);
});
