// The open folder, live: when another device or a collaborator changes something, the
// listing shows it without a reload. The page polls GET /api/v1/changes/latest/ (an ETag the
// server answers with 304 from its cache while nothing the user may see changed; no request
// is ever held open, so no web worker waits per tab) every `poll_seconds` while the tab is
// visible. When the tag moves, the listing is read again quietly: no busy state, the
// selection, focus and scroll kept, and nothing redrawn unless what it shows changed.
import { ApiError, getIfChanged } from "../lib/api.js";
import { folderItems } from "./endpoints.js";
import { accept, load } from "./listing.js";
import { dom, rowAt } from "./render.js";
import { listingDiffers, PAGE, state } from "./state.js";

const FALLBACK_POLL_SECONDS = 10;
const MAX_PAGE = 500; // the folder listing's largest page (storage/listing.py)

let etag = null;
let timer = null;
let pollSeconds = FALLBACK_POLL_SECONDS;
let pending = false; // a change arrived while the user was typing in the listing

const typingInListing = () => {
  const active = document.activeElement;
  return Boolean(active && dom.view?.contains(active) && active.matches("input, textarea, select"));
};

/** Read the open folder again and redraw it only if it changed, keeping the selection. */
export async function refreshQuietly() {
  if (state.loading || typingInListing()) {
    pending = true;
    return;
  }
  pending = false;
  const { generation, folder } = state;
  let page;
  try {
    page = await folderItems(folder, { sort: state.sort, limit: Math.min(Math.max(PAGE, state.items.length), MAX_PAGE) });
  } catch (error) {
    // The folder itself went away (trashed, moved out of reach): load() says so and goes home.
    if (error instanceof ApiError && error.status === 404 && generation === state.generation) load();
    return;
  }
  if (generation !== state.generation || state.loading || folder !== state.folder) return; // moved on meanwhile
  const sameName = (page.breadcrumbs ?? []).at(-1)?.name === state.breadcrumbs.at(-1)?.name;
  if (sameName && !listingDiffers(state.items, page.items)) return;
  const hadFocus = Boolean(dom.view?.contains(document.activeElement));
  const scroll = window.scrollY;
  accept(page, { keepSelection: true });
  window.scrollTo({ top: scroll });
  if (hadFocus) rowAt(state.focus)?.focus({ preventScroll: true });
}

async function poll() {
  timer = null;
  if (document.hidden) return; // visibilitychange starts again
  try {
    const answer = await getIfChanged("changes/latest/", etag);
    if (answer) {
      const first = etag === null;
      etag = answer.etag;
      pollSeconds = answer.data.poll_seconds || pollSeconds;
      if (!first) await refreshQuietly();
    } else if (pending) {
      await refreshQuietly();
    }
  } catch {
    // A missed poll (offline, signed out, a deploy): the next one asks again.
  }
  schedule();
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(poll, pollSeconds * 1000);
}

/**
 * Start polling from `tag` (the page's, read on the server before its listing, so nothing
 * changed between the two goes unseen; null: the first answer becomes the baseline), every
 * `seconds` (the server's KOSHA_CHANGES_POLL_SECONDS) until an answer says otherwise. A
 * hidden tab stops, and asks at once when it is shown again.
 */
export function installLive({ tag = null, seconds = null } = {}) {
  etag = tag ? `"${tag}"` : null;
  pollSeconds = seconds > 0 ? seconds : FALLBACK_POLL_SECONDS;
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer === null) poll();
  });
  poll();
}
