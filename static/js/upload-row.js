// One upload's row in the panel (name, size, progress bar, status line, actions) and the
// meter of its speed: the parts of upload-task.js that are about showing, not sending.
import { el, progressBar } from "./lib/dom.js";
import { formatBytes } from "./lib/format.js";

const SPEED_WINDOW_MS = 5_000;

/** Bytes per second over the last few seconds of (time, bytes sent) samples. */
export class SpeedMeter {
  constructor(now = () => performance.now()) {
    this.now = now;
    this.samples = [];
  }

  add(bytes) {
    const now = this.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) this.samples.shift();
  }

  reset() {
    this.samples = [];
  }

  /** Bytes per second; 0 until there is enough to say. */
  rate() {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    return t1 - t0 < 300 ? 0 : Math.max(0, ((b1 - b0) * 1000) / (t1 - t0));
  }
}

/**
 * The row of one upload in the panel: name and size, a progress bar, a status line and a
 * place for actions. Returns the nodes the caller fills in.
 */
export function uploadRow({ name, size, barLabel, extraClass = "", data = {} }) {
  const row = el("li", { class: `upload-item ${extraClass}`.trim(), "data-name": name, ...data });
  const top = el(
    "div",
    { class: "upload-item__top" },
    el("span", { class: "upload-item__name", title: name }, name),
    el("span", { class: "upload-item__size muted" }, formatBytes(size)),
  );
  const bar = progressBar(barLabel);
  const status = el("span", { class: "upload-item__status", "data-upload-status": "" });
  const actions = el("span", { class: "upload-item__actions" });
  row.append(top, bar, el("div", { class: "upload-item__bottom" }, status, actions));
  return { row, bar, status, actions };
}

export function actionButton(action, text, label) {
  return el("button", { type: "button", class: "btn btn-small btn-secondary", "data-action": action, "aria-label": label }, text);
}
