// Server-rendered times (<time datetime="..." data-local-time>, written in UTC for a page
// read without script) shown in the browser's time zone and locale, with the zone named
// in the title.
import { formatDateFull } from "./format.js";

/** Rewrite every <time data-local-time> under `root` in the browser's zone. */
export function localizeTimes(root = document) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const node of root.querySelectorAll("time[data-local-time]")) {
    const text = formatDateFull(node.getAttribute("datetime"));
    if (!text) continue;
    node.textContent = text;
    node.title = zone ? `${text} (${zone})` : text;
  }
  for (const note of root.querySelectorAll("[data-local-zone]")) {
    if (zone) note.textContent = `Times are in your browser's time zone, ${zone}.`;
  }
}
