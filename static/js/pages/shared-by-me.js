// Entry point of "Shared by me" (templates/sharing/shared_by_me.html): times in the
// browser's zone, and each link's Copy link and Edit (name, expiry, password, download
// limit) through the API; the row shows the server's answer after a save.
import { el } from "../lib/dom.js";
import { formatDateFull } from "../lib/format.js";
import { localizeTimes } from "../lib/local-times.js";
import { copyText, linkEditForm } from "../browser/link-edit.js";

const table = document.querySelector("[data-my-links]");
const dialog = document.querySelector("[data-link-edit-dialog]");
localizeTimes();

function rowShow(row, link) {
  const name = row.querySelector("[data-link-name]");
  name.replaceChildren(link.name ? link.name : el("span", { class: "muted" }, "Unnamed"));
  name.title = link.name;
  const state = row.querySelector("[data-link-state]");
  state.dataset.linkState = link.state;
  state.textContent = link.state_label;
  state.classList.toggle("badge--success", link.state === "live");
  const expires = row.querySelector("[data-link-expires]");
  expires.setAttribute("datetime", link.expires_at);
  expires.textContent = formatDateFull(link.expires_at);
  row.querySelector("[data-link-downloads]").textContent =
    link.max_downloads === null ? `${link.download_count}` : `${link.download_count} / ${link.max_downloads}`;
  row.querySelector("[data-link-password]").hidden = !link.has_password;
}

function editOpen(row, link, opener) {
  const body = dialog.querySelector("[data-link-edit-body]");
  dialog.querySelector("[data-link-edit-item]").textContent = link.item.name;
  const close = () => dialog.close();
  const form = linkEditForm(link, {
    onSaved: (updated) => {
      Object.assign(link, updated);
      rowShow(row, link);
      close();
    },
    onCancel: close,
  });
  body.replaceChildren(form);
  dialog.addEventListener("close", () => opener.focus(), { once: true });
  dialog.showModal();
  form.elements.name.focus();
}

if (table && dialog) {
  const links = new Map(JSON.parse(document.getElementById("links-data").textContent).map((link) => [link.id, link]));
  for (const row of table.querySelectorAll("tr[data-link]")) {
    const link = links.get(row.dataset.link);
    if (!link) continue;
    const copy = row.querySelector("[data-link-copy]");
    if (copy && link.url) {
      copy.hidden = false;
      copy.addEventListener("click", () => copyText(link.url, row.querySelector("[data-link-address]")));
    }
    const edit = row.querySelector("[data-link-edit-open]");
    if (edit) {
      edit.hidden = false;
      edit.addEventListener("click", () => editOpen(row, link, edit));
    }
  }
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
