// The home page: the Upload chooser, per-file progress, and a listing refresh afterwards.
import { uploadFile } from "./upload.js";

const root = document.querySelector("[data-upload-root]");
const input = root?.querySelector("[data-upload-input]");
const list = root?.querySelector("[data-upload-list]");

function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function uploadRow(file) {
  const row = el("div", { class: "upload" });
  const name = el("span", { class: "upload__name" }, file.name);
  const bar = el("progress", { max: String(file.size || 1), value: "0", "aria-label": `Uploading ${file.name}` });
  const status = el("span", { class: "upload__status muted" }, "Waiting…");
  const cancel = el("button", { type: "button", class: "btn btn-small btn-secondary" }, "Cancel");
  row.append(name, bar, status, cancel);
  list.append(row);
  list.hidden = false;
  return { row, bar, status, cancel };
}

// Swap the listing and the usage card for fresh server-rendered ones.
async function refresh() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const selector of ["[data-listing]", "[data-usage]"]) {
    const fresh = page.querySelector(selector);
    if (fresh) document.querySelector(selector)?.replaceWith(fresh);
  }
}

async function uploadOne(file) {
  const ui = uploadRow(file);
  const controller = new AbortController();
  ui.cancel.addEventListener("click", () => controller.abort(), { once: true });
  const phases = { hashing: "Checking…", finishing: "Finishing…" };
  try {
    await uploadFile(file, {
      folder: root.dataset.folder || null,
      base: root.dataset.apiBase,
      signal: controller.signal,
      onProgress: (sent, total, phase) => {
        ui.bar.value = sent;
        ui.status.textContent = phases[phase] ?? `${formatBytes(sent)} of ${formatBytes(total)}`;
      },
    });
    ui.bar.value = ui.bar.max;
    ui.status.textContent = "Uploaded";
    ui.row.classList.add("upload--done");
    ui.cancel.remove();
    return true;
  } catch (error) {
    ui.row.classList.add("upload--failed");
    ui.status.textContent = error.name === "AbortError" ? "Cancelled" : error.message;
    ui.status.setAttribute("role", "alert");
    ui.cancel.remove();
    return false;
  }
}

input?.addEventListener("change", async () => {
  const files = [...input.files];
  input.value = ""; // choosing the same file again must fire another change
  let uploaded = 0;
  // One file at a time: each large file already sends several parts in parallel.
  for (const file of files) {
    if (await uploadOne(file)) {
      uploaded += 1;
      await refresh();
    }
  }
  if (uploaded === 0) await refresh(); // failures may have changed reservations
});
