// Entry point of Settings → Unfinished uploads (templates/settings/uploads.html): times in
// the browser's zone, and Abort through the API (DELETE /api/v1/uploads/<id>/), one upload
// or every one a drop link started; a row goes when the server has aborted it.
import { del } from "../lib/api.js";
import { countOf } from "../lib/format.js";
import { localizeTimes } from "../lib/local-times.js";

localizeTimes();
const status = document.querySelector("[data-pending-status]");

/** Say what happened in the page's live region (read out by screen readers). */
function say(message) {
  status.textContent = message;
}

const rows = () => [...document.querySelectorAll("tr[data-pending-upload]")];

/** Abort one upload; true when it is gone (404: already finished, aborted or expired). */
async function abortOne(row) {
  try {
    await del(`uploads/${row.dataset.pendingUpload}/`);
  } catch (error) {
    if (error.status !== 404) {
      say(error.message || "The upload could not be aborted.");
      return false;
    }
  }
  row.remove();
  return true;
}

function refreshLinks() {
  for (const item of document.querySelectorAll("[data-pending-link]")) {
    const left = rows().filter((row) => row.dataset.pendingUploadLink === item.dataset.pendingLink).length;
    item.querySelector("[data-pending-link-count]").textContent = String(left);
    if (left === 0) item.remove();
  }
  const none = rows().length === 0;
  document.querySelector("[data-pending-empty]").hidden = !none;
  const table = document.querySelector("[data-pending-table]");
  if (table) table.hidden = none;
}

async function abortRows(chosen, buttons) {
  for (const button of buttons) button.disabled = true;
  let aborted = 0;
  for (const row of chosen) if (await abortOne(row)) aborted += 1;
  for (const button of buttons) if (button.isConnected) button.disabled = false;
  refreshLinks();
  if (aborted) say(`${countOf(aborted, "upload")} aborted; the space it held is free again.`);
}

for (const row of rows()) {
  const button = row.querySelector("[data-pending-abort]");
  button.hidden = false;
  button.addEventListener("click", () => abortRows([row], [button]));
}
for (const item of document.querySelectorAll("[data-pending-link]")) {
  const button = item.querySelector("[data-pending-link-abort]");
  button.hidden = false;
  button.addEventListener("click", () => {
    const chosen = rows().filter((row) => row.dataset.pendingUploadLink === item.dataset.pendingLink);
    abortRows(chosen, [button]);
  });
}
