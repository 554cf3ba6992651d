// The JSON API as the browser pages use it: session auth, the CSRF header, and the
// API's {"error": {"code", "message"}} turned into an ApiError with that message.

export const API = "/api/v1/";

export class ApiError extends Error {
  constructor(message, { code = "error", status = 0, details = {} } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : API + path, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(method === "GET" ? {} : { "X-CSRFToken": csrfToken() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("Could not reach the server. Check your connection.", { code: "network" });
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const { code = "error", message = `The server answered ${response.status}.`, ...details } = data.error || {};
    throw new ApiError(message, { code, status: response.status, details });
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

export function itemPath(item) {
  return item.kind === "folder" ? `folders/${item.id}/` : `files/${item.id}/`;
}

export function folderItems(folderId, { sort = "name", cursor = null, limit = 100 } = {}) {
  const params = new URLSearchParams({ sort, limit: String(limit) });
  if (cursor) params.set("cursor", cursor);
  return get(`folders/${folderId || "root"}/items/?${params}`);
}

export const downloadUrl = (fileId) => `${API}files/${fileId}/download/`;
export const previewUrl = (fileId) => `${API}files/${fileId}/preview/`;
