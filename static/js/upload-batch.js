// Batches of the upload protocol for small files: the starts (and the completes) that
// tasks ask for within a few milliseconds of each other go to the server as one request,
// POST /api/v1/uploads/batch/ (and .../batch/complete/), and each task gets its own answer
// back (a session, a file, or the ApiError the single request would have raised). A folder
// of a thousand photos thus costs a handful of requests to the app; the bytes still go
// straight to the store, one PUT per file.
//
// The queue (upload-panel.js) starts small files in waves (batchWave): a wave's starts go
// as one request as soon as the last of its files asks, with the gather timers only as a
// backstop for a file that never asks (cancelled, or resumed as a multipart upload). The
// files started together complete together: a start batch's completes go as one request as
// soon as the last of its files asks (the PUTs of a chunk finish close to each other), with
// the timers only as a backstop for a file that failed or was cancelled on the way. The
// queue starts the next chunk while this one's PUTs run.
//
// Only the signed-in API has batches; a drop link's uploads use the single requests.
import { ApiError, api } from "./lib/api.js";
import { withRetry } from "./lib/retry.js";

export const BATCH_MAX_FILES = 100; // per request (the server takes up to 500)
export const BATCH_FILE_MAX_BYTES = 8 * 1024 * 1024; // larger files upload alone
const GATHER_MS = 100; // starts outside a wave (or a wave short of files) wait this long for more...
const GATHER_MAX_MS = 1000; // ...but never longer than this after its first
// Backstop for a chunk whose completes do not all arrive (a file failed or was cancelled
// between its start and its complete): what came goes after this pause, or this long after
// the first. A whole chunk does not wait.
const COMPLETE_GATHER_MS = 750;
const COMPLETE_GATHER_MAX_MS = 4000;

const BATCH_UPLOADS_URL = "/api/v1/uploads/"; // the collection that has batches

/** Whether `uploads` (a protocol collection's URL) takes batches. */
export function hasBatches(uploads) {
  return uploads === BATCH_UPLOADS_URL;
}

/** Whether a file of `size` bytes sent to `uploads` starts within a batch. */
export function batchable(size, uploads) {
  return hasBatches(uploads) && size <= BATCH_FILE_MAX_BYTES;
}

/** The ApiError of one file's entry in a batch answer ({status, error: {code, message, ...}}). */
export function entryError(entry) {
  const { code = "error", message = `The server answered ${entry.status}.`, ...details } = entry.error ?? {};
  return new ApiError(message, { code, status: entry.status, details });
}

/**
 * Gathers items for `send(items)` (which answers one entry per item, in order) and settles
 * each item's promise with its entry. `key` groups what may share a request; `expected`
 * (optional) is how many items the key will get in all: each request goes once it is full
 * (maxItems) or holds all of the key's items not sent yet, so a wave larger than maxItems
 * sends its remainder at once too.
 */
export class Gatherer {
  constructor(send, { maxItems = BATCH_MAX_FILES, gatherMs = GATHER_MS, gatherMaxMs = GATHER_MAX_MS, timers = globalThis } = {}) {
    this.send = send;
    this.maxItems = maxItems;
    this.gatherMs = gatherMs;
    this.gatherMaxMs = gatherMaxMs;
    this.timers = timers;
    this.open = new Map(); // key -> { key, items, waiters, timer, firstAt, expected }
    this.sent = new Map(); // key (given `expected`) -> how many of its items went in earlier requests
  }

  add(key, item, expected = undefined) {
    return new Promise((resolve, reject) => {
      let batch = this.open.get(key);
      if (!batch) {
        batch = { key, items: [], waiters: [], timer: null, firstAt: Date.now(), expected };
        this.open.set(key, batch);
      }
      batch.items.push(item);
      batch.waiters.push({ resolve, reject });
      this.timers.clearTimeout(batch.timer);
      const due = expected === undefined ? this.maxItems : expected - (this.sent.get(key) ?? 0);
      if (batch.items.length >= Math.min(this.maxItems, due)) return this.flush(batch);
      const left = this.gatherMaxMs - (Date.now() - batch.firstAt);
      batch.timer = this.timers.setTimeout(() => this.flush(batch), Math.max(0, Math.min(this.gatherMs, left)));
      return undefined;
    });
  }

  async flush(batch) {
    if (this.open.get(batch.key) !== batch) return;
    this.open.delete(batch.key);
    this.timers.clearTimeout(batch.timer);
    if (batch.expected !== undefined) {
      const sent = (this.sent.get(batch.key) ?? 0) + batch.items.length;
      if (sent >= batch.expected) this.sent.delete(batch.key);
      else this.sent.set(batch.key, sent);
    }
    try {
      const entries = await this.send(batch.key, batch.items);
      batch.waiters.forEach(({ resolve, reject }, index) => {
        const entry = entries[index];
        if (entry && entry.status >= 200 && entry.status < 300) resolve(entry);
        else reject(entry ? entryError(entry) : new ApiError("The server gave no answer for this file."));
      });
    } catch (error) {
      for (const { reject } of batch.waiters) reject(error);
    }
  }
}

// Upload id -> the chunk it started in ({ id, size }): its completes go together.
const chunks = new Map();
let chunkCount = 0;
let waveCount = 0;

const starts = new Gatherer(async (key, files) => {
  const { uploads, folder } = JSON.parse(key);
  // No retry: a lost answer could leave reservations behind (as for a single start).
  const answer = await api("POST", `${uploads}batch/`, { folder, files });
  const started = answer.files.filter((entry) => entry.upload?.strategy === "single");
  const chunk = { id: (chunkCount += 1), size: started.length };
  for (const entry of started) chunks.set(entry.upload.id, chunk);
  return answer.files;
});

const completes = new Gatherer(
  (key, ids) =>
    // Complete is idempotent: a retried batch answers the same files.
    withRetry(() => api("POST", `${key.split("#")[0]}batch/complete/`, { uploads: ids })).then(
      (answer) => answer.uploads,
    ),
  { gatherMs: COMPLETE_GATHER_MS, gatherMaxMs: COMPLETE_GATHER_MAX_MS },
);

/**
 * A wave of `size` small files that the queue starts together: pass it to batchStart (through
 * uploadStart) with each, and their starts go as one request once all `size` have asked.
 */
export function batchWave(size) {
  waveCount += 1;
  return { id: waveCount, size };
}

/**
 * Start one file's upload within a batch: resolves with the session, as uploadStart does.
 * `wave`: the batchWave() it belongs to, or null (it waits GATHER_MS for others).
 */
export async function batchStart(body, { uploads, wave = null }) {
  const { folder = null, ...file } = body;
  const entry = await starts.add(JSON.stringify({ uploads, folder, wave: wave?.id ?? null }), file, wave?.size);
  return entry.upload;
}

/** Complete one single-PUT upload within a batch: resolves with the file, as uploadComplete does. */
export async function batchComplete(id, { uploads }) {
  const chunk = chunks.get(id);
  chunks.delete(id);
  // A session from before a reload has no chunk: it completes with whatever comes along.
  const entry = await completes.add(chunk ? `${uploads}#${chunk.id}` : uploads, id, chunk?.size);
  return entry.file;
}
