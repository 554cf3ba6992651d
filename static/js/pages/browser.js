// Entry point of the file browser: My files (/) and every folder (/f/<id>), one template
// (templates/files/browser.html). Wires the listing (../browser/), the Upload button, drops
// of files and folders, the upload panel, search, the usage card's refresh, and the live
// refresh of the open folder when something changes elsewhere (../browser/live.js).
import { installBrowserEvents } from "../browser/events.js";
import { installDragMove } from "../browser/drag-move.js";
import { installDropUpload, installFolderInput } from "../browser/drop-upload.js";
import { installLive } from "../browser/live.js";
import { accept, installHistory, load, loadMore, navigate, reloadKeepingSelection, reveal } from "../browser/listing.js";
import { renderInstall } from "../browser/render.js";
import { installRowMenu } from "../browser/row-menu.js";
import { installSearch } from "../browser/search.js";
import { canEdit, state } from "../browser/state.js";
import { installUploadInput, installUploadPanel } from "../upload-panel.js";

const USAGE_REFRESH_MS = 300;
const LISTING_REFRESH_MS = 250;

// Swap the usage card for a fresh server-rendered one.
async function refreshUsage() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.querySelector("[data-usage]");
  if (fresh) document.querySelector("[data-usage]")?.replaceWith(fresh);
}

// Run fn once, `ms` after the last of a burst of calls.
function debounced(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const root = document.querySelector("[data-browser]");
if (root) {
  state.folder = root.dataset.folder || null;
  state.collection = root.dataset.collection || null; // Recent or Starred: items from many folders
  state.role = root.dataset.role || "owner";
  renderInstall(root, { more: loadMore });
  installBrowserEvents();
  installRowMenu();
  installDragMove();
  if (!state.collection) installHistory();
  installUploadPanel();
  installUploadInput(root.querySelector("[data-upload-input]"), { folder: () => state.folder });

  // The upload panel announces each stored file: refresh the listing and the usage card.
  const refreshListing = debounced(reloadKeepingSelection, LISTING_REFRESH_MS);
  document.addEventListener("kosha:uploaded", refreshListing);
  document.addEventListener("kosha:uploaded", debounced(refreshUsage, USAGE_REFRESH_MS));
  installDropUpload({ folder: () => state.folder, onDone: refreshListing, canDrop: canEdit });
  installFolderInput(root.querySelector("[data-upload-folder-input]"), { folder: () => state.folder, onDone: refreshListing });
  installSearch({ onPick: (result) => navigate(result.containing, { highlight: result.id }) });

  // The first page came with the HTML (sorted by name); another sort asks the API.
  const highlight = new URLSearchParams(location.search).get("highlight");
  const initial = document.getElementById("listing-data");
  if (initial && (state.sort === "name" || state.collection)) {
    accept(JSON.parse(initial.textContent));
    if (highlight) reveal(highlight);
  } else {
    load({ highlight });
  }
  installLive({ tag: root.dataset.changesTag || null, seconds: Number(root.dataset.changesPollSeconds) });
}
