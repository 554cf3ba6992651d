// The file browser's Upload chooser: hands the chosen files to the upload panel, and keeps
// the usage card fresh as files arrive (the listing refreshes itself on kosha:uploaded).
import { enqueueUploads } from "./upload-panel.js";

const root = document.querySelector("[data-upload-root]");
const input = root?.querySelector("[data-upload-input]");
let refreshTimer = null;

// Swap the usage card for a fresh server-rendered one.
async function refreshUsage() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.querySelector("[data-usage]");
  if (fresh) document.querySelector("[data-usage]")?.replaceWith(fresh);
}

input?.addEventListener("change", () => {
  const files = [...input.files];
  input.value = ""; // choosing the same file again must fire another change
  enqueueUploads(files, { folderId: root.dataset.folder || null });
});

document.addEventListener("kosha:uploaded", () => {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshUsage, 300);
});
