// The preview viewer: images, PDF, audio, video and plain text in a modal, with previous and
// next across the folder's files, arrow keys and Esc. Bytes come from /preview/, which
// serves inline only the types that cannot run script.
import { el, icon } from "../lib/dom.js";
import { fileType } from "../lib/filetypes.js";
import { formatBytes } from "../lib/format.js";
import { downloadUrl, previewUrl } from "./endpoints.js";

const TEXT_LIMIT = 512 * 1024; // enough to read; the download has the rest

let dialog = null; // the page's <dialog data-viewer>, wired on first use
let files = [];
let index = 0;
let hooks = {};
let loadToken = 0;

function kindOf(file) {
  const type = file.content_type || "";
  if (type.startsWith("image/") && type !== "image/svg+xml") return "image";
  if (type === "application/pdf") return "pdf";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("text/") || type === "application/json") return "text";
  const t = fileType(file);
  return t === "text" || t === "code" ? "text" : "none";
}

async function showText(body, file, token) {
  const pre = el("pre", { class: "viewer__text", tabindex: "0", "aria-label": `Contents of ${file.name}` }, "Loading…");
  body.append(pre);
  try {
    const response = await fetch(previewUrl(file.id), { credentials: "same-origin" });
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    const blob = await response.blob();
    const text = await blob.slice(0, TEXT_LIMIT).text();
    if (token !== loadToken) return;
    pre.textContent = text + (blob.size > TEXT_LIMIT ? "\n\n… (truncated: download the file to read the rest)" : "");
  } catch (error) {
    if (token === loadToken) pre.textContent = `Could not load the text: ${error.message}`;
  }
}

function show(at) {
  index = (at + files.length) % files.length;
  const file = files[index];
  const token = ++loadToken;
  dialog.querySelector("[data-viewer-title]").textContent = file.name;
  dialog.querySelector("[data-viewer-count]").textContent = `${index + 1} of ${files.length} · ${formatBytes(file.size)}`;
  dialog.querySelector("[data-viewer-download]").href = downloadUrl(file.id);
  for (const selector of ["[data-viewer-prev]", "[data-viewer-next]"]) {
    dialog.querySelector(selector).disabled = files.length < 2;
  }
  const body = dialog.querySelector("[data-viewer-body]");
  body.replaceChildren();
  const src = previewUrl(file.id);
  switch (kindOf(file)) {
    case "image":
      body.append(el("img", { class: "viewer__image", src, alt: file.name }));
      break;
    case "pdf":
      body.append(
        el("iframe", { class: "viewer__frame", src, title: `PDF: ${file.name}` }),
        el("p", { class: "small muted" }, el("a", { href: src, target: "_blank", rel: "noopener" }, "Open the PDF in a new tab")),
      );
      break;
    case "audio":
      body.append(el("audio", { class: "viewer__media", src, controls: true, preload: "metadata" }));
      break;
    case "video":
      body.append(el("video", { class: "viewer__media", src, controls: true, preload: "metadata" }));
      break;
    case "text":
      showText(body, file, token);
      break;
    default:
      body.append(
        el(
          "div",
          { class: "viewer__none" },
          icon(fileType(file), "ft-icon ft-icon--large"),
          el("p", {}, "There is no preview for this type of file."),
          el("a", { class: "btn", href: downloadUrl(file.id) }, "Download"),
        ),
      );
  }
  hooks.onShow?.(file);
}

function setUp() {
  dialog = document.querySelector("[data-viewer]");
  if (!dialog) return;
  dialog.querySelector("[data-viewer-prev]").addEventListener("click", () => show(index - 1));
  dialog.querySelector("[data-viewer-next]").addEventListener("click", () => show(index + 1));
  dialog.querySelector("[data-viewer-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("keydown", (event) => {
    if (event.target.closest("audio, video, input")) return;
    if (event.key === "ArrowLeft") show(index - 1);
    else if (event.key === "ArrowRight") show(index + 1);
  });
  dialog.addEventListener("close", () => {
    loadToken += 1;
    dialog.querySelector("[data-viewer-body]").replaceChildren(); // stop media playing
    hooks.onClose?.();
  });
  // A click on the backdrop closes, as in most viewers.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}

/** Show list[at] in the viewer; options.onShow(file) as each file shows, onClose() at the end. */
export function openViewer(list, at = 0, options = {}) {
  if (!dialog) setUp();
  if (!dialog || !list.length) return;
  files = list;
  hooks = options;
  show(Math.max(0, at));
  if (!dialog.open) dialog.showModal();
  dialog.querySelector("[data-viewer-close]").focus();
}

