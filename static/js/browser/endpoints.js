// The API paths the file browser reads and links to, on top of the one client (lib/api.js).
import { API, get } from "../lib/api.js";

/** The API path of a folder or file item: folders/<id>/ or files/<id>/. */
export function itemPath(item) {
  return item.kind === "folder" ? `folders/${item.id}/` : `files/${item.id}/`;
}

/** One page of a folder's items (null: My files), {items, next, breadcrumbs}. */
export function folderItems(folderId, { sort = "name", cursor = null, limit = 100 } = {}) {
  const params = new URLSearchParams({ sort, limit: String(limit) });
  if (cursor) params.set("cursor", cursor);
  return get(`folders/${folderId || "root"}/items/?${params}`);
}

/** One page of a cross-folder view ("recent" or "starred"), {items, next}. */
export function collectionItems(name, { cursor = null, limit = 100 } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set("cursor", cursor);
  return get(`${name}/?${params}`);
}

/** A page of what the browser shows: the current folder, or the current collection. */
export function listingItems(state, { cursor = null, limit = 100 } = {}) {
  if (state.collection) return collectionItems(state.collection, { cursor, limit });
  return folderItems(state.folder, { sort: state.sort, cursor, limit });
}

export const downloadUrl = (fileId) => `${API}files/${fileId}/download/`;
export const previewUrl = (fileId) => `${API}files/${fileId}/preview/`;
export const versionDownloadUrl = (fileId, versionId) => `${API}files/${fileId}/versions/${versionId}/download/`;
