// A folder shared with me as editor (/shared/f/<id>): rename and trash its items through
// the grantee API (shared/files/<id>/, shared/folders/<id>/), then show the fresh listing.
import { del, patch } from "./browser/api.js";
import { confirmDialog, showError } from "./browser/ui.js";

const table = document.querySelector("[data-shared-folder]");

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

table?.addEventListener("click", (event) => {
  const button = event.target.closest("[data-shared-action]");
  if (!button) return;
  const row = button.closest("[data-item]");
  const action = button.dataset.sharedAction === "rename" ? rename : trash;
  action(row).catch(showError);
});
