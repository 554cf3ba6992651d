// A public folder link's page: "Download all as zip" asks the link for a zip of the folder
// shown (the owner's archive machinery builds it in the background), polls it, then starts
// the download from its short-lived URL.
import { api } from "../lib/api.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function downloadAll(button, status) {
  button.disabled = true;
  status.textContent = "Preparing the zip…";
  try {
    let archive = await api("POST", button.dataset.url, { folder: button.dataset.folder });
    for (let wait = 500; archive.status === "pending"; wait = Math.min(wait * 1.5, 5000)) {
      await sleep(wait);
      archive = await api("GET", archive.poll);
    }
    if (archive.status !== "ready" || !archive.url) throw new Error(archive.error || "The zip could not be made.");
    status.textContent = "Your download is starting.";
    window.location.assign(archive.url);
  } catch (error) {
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

const button = document.querySelector("[data-link-zip]");
if (button) {
  const status = document.querySelector("[data-link-zip-status]");
  button.addEventListener("click", () => downloadAll(button, status));
}
