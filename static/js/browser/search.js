// The header search box: results as you type (debounced, 2 characters at least), a type
// filter, and a pick that jumps to the containing folder with the item highlighted. Items
// shared with me come too, marked with their owner; their path starts at the share.
import { ApiError, get } from "../lib/api.js";
import { el, icon } from "../lib/dom.js";
import { fileType } from "../lib/filetypes.js";

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;

function defaultPick(result) {
  const path = result.containing ? `/f/${result.containing}` : "/";
  window.location.assign(`${path}?highlight=${result.id}`);
}

/** Wire the header's [data-search] form; onPick(result) runs on a chosen result. */
export function installSearch({ onPick = defaultPick } = {}) {
  const form = document.querySelector("[data-search]");
  if (!form || form.dataset.ready) return;
  form.dataset.ready = "true";
  // Results come as you type; Enter picks one (below) and never submits the form.
  form.addEventListener("submit", (event) => event.preventDefault());
  const input = form.querySelector("[data-search-input]");
  const type = form.querySelector("[data-search-type]");
  const box = form.querySelector("[data-search-results]");
  const status = form.querySelector("[data-search-status]");
  let timer;
  let generation = 0;
  let results = [];
  let active = -1;

  function close() {
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function pick(result) {
    close();
    input.blur();
    if (result.role !== "owner" && !result.path.length) {
      // The shared item itself: its owner's folder around it is not mine to open.
      if (result.kind === "folder") onPick({ ...result, containing: result.id, id: null });
      else window.location.assign("/shared/");
      return;
    }
    onPick({ ...result, containing: result.kind === "file" ? result.folder : result.parent });
  }

  function highlight(index) {
    active = index;
    for (const [i, node] of [...box.children].entries()) node.setAttribute("aria-selected", String(i === index));
    const node = box.children[index];
    if (node?.id) {
      input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    }
  }

  function render(items, message) {
    box.replaceChildren();
    results = items;
    active = -1;
    if (message) box.append(el("div", { class: "search__message muted small" }, message));
    for (const [index, result] of items.entries()) {
      const top = result.role === "owner" ? "My files" : `Shared by ${result.owner}`;
      const where = [top, ...result.path].join(" › ");
      const option = el(
        "div",
        { class: "search__result", role: "option", id: `search-result-${index}`, "aria-selected": "false" },
        icon(fileType(result)),
        el("span", { class: "search__text" }, el("span", { class: "search__name" }, result.name), el("span", { class: "search__where muted small" }, where)),
      );
      option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
      option.addEventListener("click", () => pick(result));
      box.append(option);
    }
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = message || `${items.length} ${items.length === 1 ? "result" : "results"}`;
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++generation;
    if (q.length < MIN_CHARS) {
      if (q.length) render([], `Type at least ${MIN_CHARS} characters.`);
      else close();
      return;
    }
    const params = new URLSearchParams({ q, limit: "20" });
    if (type.value) params.set("type", type.value);
    try {
      const data = await get(`search/?${params}`);
      if (mine !== generation) return;
      render(data.items, data.items.length ? "" : `Nothing matches “${q}”.`);
    } catch (error) {
      if (mine === generation) render([], error instanceof ApiError ? error.message : "Search failed.");
    }
  }

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  };
  input.addEventListener("input", schedule);
  type.addEventListener("change", search);
  input.addEventListener("focus", () => {
    if (results.length) {
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && results.length) {
      event.preventDefault();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === "ArrowUp" && results.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      const result = results[active >= 0 ? active : 0];
      if (result) pick(result);
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) close();
  });
}
