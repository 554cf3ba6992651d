// The order people expect for names: case-insensitive, accent-aware and natural ("file2"
// before "file10", "apple" beside "Äpfel"), as in a desktop file manager. Pure.

/**
 * A comparison function for names in `locale` (the runtime's when undefined). Names equal
 * under the collation ("a.txt" and "A.txt") fall back to code-point order, so the order is
 * total and the same on every run.
 */
export function nameComparer(locale) {
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: "base" });
  return (a, b) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Compare two names in the page's language (<html lang>); for Array.prototype.sort. */
export const compareNames = nameComparer(globalThis.document?.documentElement?.lang || undefined);

/** Folders first, then by name (compareNames): the order of a folder listing. */
export function compareItems(a, b) {
  if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;
  return compareNames(a.name, b.name);
}
