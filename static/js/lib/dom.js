// The DOM kit: build elements, file-type icons, dates and progress bars. Needs a document
// only when called.
import { formatDate, formatDateFull } from "./format.js";

/**
 * Create an element. attrs: "class", "text" (textContent), "on<event>" (a listener), and any
 * attribute (true sets it empty; false, null and undefined leave it out). Children: nodes
 * or strings; null and undefined are skipped.
 */
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

// The sprite's URL comes from the page (data-icons="{% static ... %}": it may be hashed).
let spriteUrl = null;

/** An <svg> showing the sprite's icon for a fileType() ("folder", "pdf", ...), hidden from AT. */
export function icon(type, className = "ft-icon") {
  spriteUrl ??= document.querySelector("[data-icons]")?.dataset.icons || "/static/icons/filetypes.svg";
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

/** A <time> reading "5 minutes ago", with the full date as its title. */
export function timeEl(iso) {
  return el("time", { datetime: iso, title: formatDateFull(iso) }, formatDate(iso));
}

/** A labelled progressbar (0 to 100); move it with setProgress. */
export function progressBar(label) {
  const bar = el("div", {
    class: "upload-bar",
    role: "progressbar",
    "aria-label": label,
    "aria-valuemin": "0",
    "aria-valuemax": "100",
    "aria-valuenow": "0",
  });
  bar.append(el("div", { class: "upload-bar__fill" }));
  return bar;
}

/** Set a progressBar to `fraction` (0..1), with `label` ("uploading") in its value text. */
export function setProgress(bar, fraction, label) {
  const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-valuetext", label ? `${percent}%, ${label}` : `${percent}%`);
  bar.firstElementChild.style.width = `${percent}%`;
}
