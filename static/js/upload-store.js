// Unfinished uploads, remembered in localStorage so a reload or a browser restart can
// resume them. A page cannot reopen a file by itself: the user chooses it again and we
// match it by name, size and lastModified. The server stays the truth about which parts
// it holds (GET uploads/<id>/); this only remembers which session belongs to which file,
// and where its protocol lives (`uploads`: "/api/v1/uploads/", or a drop link's
// "/s/<token>/uploads/").

const KEY = "kosha.uploads.v1";
const MAX_AGE_MS = 7 * 24 * 3600 * 1000; // sessions expire server-side long before this
const DEFAULT_UPLOADS = "/api/v1/uploads/"; // records written before `uploads` was kept

function readAll() {
  try {
    const records = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(records) ? records : [];
  } catch {
    return []; // storage disabled or a corrupt entry: resuming is a convenience, not a must
  }
}

function writeAll(records) {
  try {
    localStorage.setItem(KEY, JSON.stringify(records));
  } catch {
    // Quota or private mode: the upload still works, it just cannot resume after a reload.
  }
}

function fresh() {
  const now = Date.now();
  return readAll().filter((record) => record?.id && now - (record.startedAt || 0) < MAX_AGE_MS);
}

/** Records of uploads through the collection `uploads` still worth asking the server about, oldest first. */
export function uploadRecords({ uploads = DEFAULT_UPLOADS } = {}) {
  return fresh().filter((record) => (record.uploads || DEFAULT_UPLOADS) === uploads);
}

/**
 * Remember the session `id` of `file`. onConflict: what the session was started with
 * ("version", "rename", "fail" or null), so that an upload that must start over after a
 * reload keeps the user's choice instead of asking again.
 */
export function uploadRemember({ id, file, folder, strategy, uploads = DEFAULT_UPLOADS, onConflict = null }) {
  const record = {
    id,
    name: file.name,
    size: file.size,
    lastModified: file.lastModified,
    type: file.type,
    folder: folder || null,
    strategy,
    uploads,
    onConflict,
    startedAt: Date.now(),
  };
  writeAll([...fresh().filter((other) => other.id !== id), record]);
  return record;
}

export function uploadForget(id) {
  writeAll(fresh().filter((record) => record.id !== id));
}

export function recordMatchesFile(record, file) {
  return record.name === file.name && record.size === file.size && record.lastModified === file.lastModified;
}
