// Numbers and dates as people read them. Pure: importable in node, no DOM.

const UNITS = ["KB", "MB", "GB", "TB", "PB"];

/** 0 bytes, 1 byte, 1023 bytes, 1.0 KB, 12.3 MB... (1024-based); "—" when unknown. */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (Math.abs(bytes) < 1024) return `${bytes} ${Math.abs(bytes) === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A duration for "time left" and "retrying in": 1 s, 59 s, 2 min 5 s, 1 h 3 min; "" if unknown. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 59.5) return `${Math.max(1, Math.round(seconds))} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.round((whole % 3600) / 60)} min`;
}

// Intl formatters are costly to build and a listing formats hundreds of dates: one per locale.
const formatters = new Map();
function formatter(kind, locale, options) {
  const key = `${kind}|${locale ?? ""}|${options.timeZone ?? ""}`;
  if (!formatters.has(key)) formatters.set(key, new Intl[kind](locale, options));
  return formatters.get(key);
}

const RELATIVE_STEPS = [
  [3600, "minute", 60],
  [86400, "hour", 3600],
  [86400 * 7, "day", 86400],
];

/**
 * A date as "just now", "5 minutes ago", "yesterday", "in 3 days" within a week of `now`
 * (ms since the epoch), else as formatDateFull. `locale` and `timeZone` are the browser's
 * unless given.
 */
export function formatDate(iso, { now = Date.now(), locale, timeZone } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const seconds = (date.getTime() - now) / 1000;
  if (Math.abs(seconds) < 45) return "just now";
  const relative = formatter("RelativeTimeFormat", locale, { numeric: "auto" });
  for (const [limit, unit, size] of RELATIVE_STEPS) {
    if (Math.abs(seconds) < limit) return relative.format(Math.round(seconds / size), unit);
  }
  return formatDateFull(iso, { locale, timeZone });
}

/** A date as a medium date and short time ("Mar 4, 2025, 2:05 PM"); "" when missing. */
export function formatDateFull(iso, { locale, timeZone } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return formatter("DateTimeFormat", locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

/** "1 file", "3 files": a count with its noun, plural when not one. */
export function countOf(count, singular, plural = `${singular}s`) {
  return `${count} ${count === 1 ? singular : plural}`;
}

/**
 * The end of a chosen day ("2026-12-01", from an <input type="date">) in the browser's
 * time zone, as an RFC 3339 instant for the API; null for an empty or malformed value.
 * The server refuses a day beyond the plan's limit with a message: this never shortens it.
 */
export function dayEndIso(dateValue) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateValue || "")) return null;
  const end = new Date(`${dateValue}T23:59:00`);
  return Number.isNaN(end.getTime()) ? null : end.toISOString();
}

/** The browser-zone day ("2026-12-01") of an instant, for an <input type="date">; "" when missing. */
export function localDay(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
