// Small pieces every browser page shares: elements, formatting, icons, toasts, confirm.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} ${value === 1 ? "byte" : "bytes"}` : `${value.toFixed(1)} ${units[unit]}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const seconds = (date - Date.now()) / 1000;
  const steps = [
    [60, "second"],
    [3600, "minute", 60],
    [86400, "hour", 3600],
    [86400 * 7, "day", 86400],
  ];
  if (Math.abs(seconds) < 45) return "just now";
  for (const [limit, unit, size = 1] of steps) {
    if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / size), unit);
  }
  return absolute.format(date);
}

export const formatDateFull = (iso) => (iso ? absolute.format(new Date(iso)) : "");

export function timeEl(iso) {
  return el("time", { datetime: iso, title: formatDateFull(iso) }, formatDate(iso));
}

// File type from the content type, then the extension (browsers often send octet-stream).
const EXTENSIONS = {
  image: "jpg jpeg png gif webp avif bmp heic svg tif tiff ico",
  video: "mp4 mov mkv webm avi m4v",
  audio: "mp3 wav ogg flac m4a aac opus",
  pdf: "pdf",
  archive: "zip tar gz tgz bz2 xz 7z rar zst",
  document: "doc docx odt rtf pages epub",
  spreadsheet: "xls xlsx ods csv tsv numbers",
  presentation: "ppt pptx odp key",
  code: "js mjs ts py rb go rs java c h cpp hpp cs php sh html css scss json yaml yml toml xml sql",
  text: "txt md log ini cfg",
};
const BY_EXTENSION = Object.fromEntries(
  Object.entries(EXTENSIONS).flatMap(([type, list]) => list.split(" ").map((ext) => [ext, type])),
);

export function fileType(item) {
  if (item.kind === "folder") return "folder";
  const type = item.content_type || "";
  const ext = (item.name.includes(".") ? item.name.split(".").pop() : "").toLowerCase();
  if (type === "application/pdf") return "pdf";
  if (BY_EXTENSION[ext]) return BY_EXTENSION[ext];
  for (const major of ["image", "video", "audio"]) if (type.startsWith(`${major}/`)) return major;
  if (type.includes("zip") || type.includes("compressed") || type.includes("tar")) return "archive";
  if (type.includes("spreadsheet") || type.includes("excel")) return "spreadsheet";
  if (type.includes("presentation") || type.includes("powerpoint")) return "presentation";
  if (type.includes("word") || type.includes("opendocument.text")) return "document";
  if (type === "application/json" || type === "application/xml") return "code";
  if (type.startsWith("text/")) return "text";
  return "file";
}

export const TYPE_LABELS = {
  folder: "Folder", file: "File", image: "Image", video: "Video", audio: "Audio", pdf: "PDF",
  archive: "Archive", document: "Document", spreadsheet: "Spreadsheet", presentation: "Slides",
  code: "Code", text: "Text",
};

let spriteUrl = document.querySelector("[data-icons]")?.dataset.icons || "/static/icons/filetypes.svg";

export function icon(type, className = "ft-icon") {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", `${className} ft-icon--${type}`);
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", `${spriteUrl}#ft-${type}`);
  svg.append(use);
  return svg;
}

// --- toasts: polite for news, an alert for errors -------------------------------------------

export function toast(message, { kind = "info", timeout } = {}) {
  const region = document.querySelector(kind === "error" ? "[data-toasts-alert]" : "[data-toasts-polite]");
  if (!region) {
    if (kind === "error") window.alert(message);
    return;
  }
  const close = el("button", { type: "button", class: "toast__close", "aria-label": "Dismiss" }, "×");
  const node = el("div", { class: `toast toast--${kind}` }, el("span", { text: message }), close);
  close.addEventListener("click", () => node.remove());
  region.append(node);
  setTimeout(() => node.remove(), timeout ?? (kind === "error" ? 10000 : 5000));
  return node;
}

export function showError(error) {
  toast(error?.message || String(error), { kind: "error" });
}

// --- a confirm dialog that returns a promise -------------------------------------------------

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
