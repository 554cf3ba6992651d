// Entry point of a file-drop link (/s/<token> when the link is a drop,
// templates/sharing/drop.html): anyone holding the link sends files into the owner's
// folder through the same upload client and panel as the owner's own uploads, on the
// link's copy of the protocol (/s/<token>/uploads/, the panel's data-uploads-url): parts in
// parallel, retries with backoff, progress, pause and resume, even after a reload.
import { installUploadInput, installUploadPanel } from "../upload-panel.js";

const zone = document.querySelector("[data-drop-zone]");
if (zone) {
  installUploadPanel(); // also takes drops on the zone (data-upload-drop)
  installUploadInput(zone.querySelector("[data-upload-input]"));
}
