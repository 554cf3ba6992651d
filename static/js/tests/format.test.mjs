// node --test: sizes, durations, dates and name order as people read them (lib/format.js, lib/sort.js).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { countOf, dayEndIso, formatBytes, formatDate, formatDateFull, formatDuration, localDay } from "../lib/format.js";
import { fileType } from "../lib/filetypes.js";
import { compareItems, nameComparer } from "../lib/sort.js";

describe("formatBytes", () => {
  it("says byte for one and bytes otherwise", () => {
    assert.equal(formatBytes(0), "0 bytes");
    assert.equal(formatBytes(1), "1 byte");
    assert.equal(formatBytes(2), "2 bytes");
    assert.equal(formatBytes(1023), "1023 bytes");
  });

  it("uses 1024-based units with one decimal", () => {
    assert.equal(formatBytes(1024), "1.0 KB");
    assert.equal(formatBytes(1536), "1.5 KB");
    assert.equal(formatBytes(512 * 1024), "512.0 KB");
    assert.equal(formatBytes(5 * 1024 ** 2), "5.0 MB");
    assert.equal(formatBytes(1.25 * 1024 ** 3), "1.3 GB");
    assert.equal(formatBytes(3 * 1024 ** 4), "3.0 TB");
  });

  it("shows a dash when the size is unknown", () => {
    assert.equal(formatBytes(null), "—");
    assert.equal(formatBytes(undefined), "—");
    assert.equal(formatBytes(Number.NaN), "—");
  });
});

describe("formatDuration", () => {
  it("reads seconds, minutes and hours", () => {
    assert.equal(formatDuration(0.2), "1 s");
    assert.equal(formatDuration(42), "42 s");
    assert.equal(formatDuration(59.7), "1 min 0 s");
    assert.equal(formatDuration(125), "2 min 5 s");
    assert.equal(formatDuration(3 * 3600 + 20 * 60), "3 h 20 min");
  });

  it("is empty when unknown", () => {
    assert.equal(formatDuration(Infinity), "");
    assert.equal(formatDuration(Number.NaN), "");
    assert.equal(formatDuration(-1), "");
  });
});

describe("formatDate", () => {
  const now = Date.parse("2025-03-10T12:00:00Z");
  const options = { now, locale: "en-US", timeZone: "UTC" };

  it("says how long ago within a week", () => {
    assert.equal(formatDate("2025-03-10T11:59:30Z", options), "just now");
    assert.equal(formatDate("2025-03-10T11:55:00Z", options), "5 minutes ago");
    assert.equal(formatDate("2025-03-10T09:00:00Z", options), "3 hours ago");
    assert.equal(formatDate("2025-03-09T12:00:00Z", options), "yesterday");
    assert.equal(formatDate("2025-03-13T12:00:00Z", options), "in 3 days");
  });

  it("gives the full date beyond a week", () => {
    const text = formatDate("2025-03-01T14:05:00Z", options);
    assert.match(text, /^Mar 1, 2025, 2:05\sPM$/);
    assert.equal(text, formatDateFull("2025-03-01T14:05:00Z", options));
  });

  it("is empty for a missing or unreadable date", () => {
    assert.equal(formatDate(null, options), "");
    assert.equal(formatDate("not a date", options), "");
    assert.equal(formatDateFull("", options), "");
  });
});

describe("countOf", () => {
  it("is singular for one only", () => {
    assert.equal(countOf(1, "file"), "1 file");
    assert.equal(countOf(0, "file"), "0 files");
    assert.equal(countOf(3, "folder"), "3 folders");
    assert.equal(countOf(2, "match", "matches"), "2 matches");
  });
});

describe("compareNames", () => {
  const compareNames = nameComparer("en");

  it("orders names naturally, ignoring case and accents", () => {
    const names = ["Zebra.txt", "_underscore.txt", "apple.txt", "file1", "file10", "file100", "file2", "Äpfel.txt"];
    assert.deepEqual(names.sort(compareNames), [
      "_underscore.txt",
      "Äpfel.txt",
      "apple.txt",
      "file1",
      "file2",
      "file10",
      "file100",
      "Zebra.txt",
    ]);
  });

  it("puts numbered versions in numeric order", () => {
    assert.deepEqual(["v1.10.txt", "v1.9.txt", "v1.2.txt"].sort(compareNames), ["v1.2.txt", "v1.9.txt", "v1.10.txt"]);
  });

  it("is a total order: names that differ only in case still compare unequal, the same way each time", () => {
    assert.notEqual(compareNames("a.txt", "A.txt"), 0);
    assert.equal(Math.sign(compareNames("a.txt", "A.txt")), -Math.sign(compareNames("A.txt", "a.txt")));
    assert.equal(compareNames("same", "same"), 0);
  });

  it("lists folders before files", () => {
    const items = [
      { kind: "file", name: "a" },
      { kind: "folder", name: "z" },
      { kind: "folder", name: "B" },
    ];
    assert.deepEqual(items.sort(compareItems).map((item) => item.name), ["B", "z", "a"]);
  });
});

describe("fileType", () => {
  it("reads the content type, then the extension", () => {
    assert.equal(fileType({ kind: "folder", name: "Photos" }), "folder");
    assert.equal(fileType({ kind: "file", name: "scan", content_type: "application/pdf" }), "pdf");
    assert.equal(fileType({ kind: "file", name: "Report.DOCX", content_type: "application/octet-stream" }), "document");
    assert.equal(fileType({ kind: "file", name: "clip", content_type: "video/mp4" }), "video");
    assert.equal(fileType({ kind: "file", name: "README", content_type: "text/plain" }), "text");
    assert.equal(fileType({ kind: "file", name: "blob", content_type: "" }), "file");
  });
});

describe("dayEndIso and localDay", () => {
  it("gives the end of the chosen day in the browser's zone, never another day", () => {
    const iso = dayEndIso("2026-12-31");
    const end = new Date(iso);
    assert.match(iso, /Z$/);
    assert.equal(localDay(iso), "2026-12-31");
    assert.equal(end.getHours(), 23);
    assert.equal(end.getMinutes(), 59);
  });

  it("keeps a day far in the future as it is (the server judges the plan's limit)", () => {
    assert.equal(localDay(dayEndIso("2031-06-15")), "2031-06-15");
  });

  it("is null for an empty or malformed day, and localDay empty for a missing instant", () => {
    assert.equal(dayEndIso(""), null);
    assert.equal(dayEndIso(undefined), null);
    assert.equal(dayEndIso("15/06/2031"), null);
    assert.equal(dayEndIso("2031-13-45"), null);
    assert.equal(localDay(null), "");
    assert.equal(localDay("not a date"), "");
  });
});
