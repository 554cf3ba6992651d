// What kind of file an item is, for its icon and its "Type" column. Pure.

// From the content type, then the extension (browsers often send octet-stream).
const EXTENSIONS = {
  image: "jpg jpeg png gif webp avif bmp heic svg tif tiff ico",
  video: "mp4 mov mkv webm avi m4v",
  audio: "mp3 wav ogg flac m4a aac opus",
  pdf: "pdf",
  archive: "zip tar gz tgz bz2 xz 7z rar zst",
  document: "doc docx odt rtf pages epub",
  spreadsheet: "xls xlsx ods csv tsv numbers",
  presentation: "ppt pptx odp key",
  code: "js mjs ts py rb go rs java c h cpp hpp cs php sh html css scss json yaml yml toml xml sql",
  text: "txt md log ini cfg",
};
const BY_EXTENSION = Object.fromEntries(
  Object.entries(EXTENSIONS).flatMap(([type, list]) => list.split(" ").map((ext) => [ext, type])),
);

/** "folder", "image", "pdf", ... or "file": one of TYPE_LABELS' keys. */
export function fileType(item) {
  if (item.kind === "folder") return "folder";
  const type = item.content_type || "";
  const ext = (item.name.includes(".") ? item.name.split(".").pop() : "").toLowerCase();
  if (type === "application/pdf") return "pdf";
  if (BY_EXTENSION[ext]) return BY_EXTENSION[ext];
  for (const major of ["image", "video", "audio"]) if (type.startsWith(`${major}/`)) return major;
  if (type.includes("zip") || type.includes("compressed") || type.includes("tar")) return "archive";
  if (type.includes("spreadsheet") || type.includes("excel")) return "spreadsheet";
  if (type.includes("presentation") || type.includes("powerpoint")) return "presentation";
  if (type.includes("word") || type.includes("opendocument.text")) return "document";
  if (type === "application/json" || type === "application/xml") return "code";
  if (type.startsWith("text/")) return "text";
  return "file";
}

export const TYPE_LABELS = {
  folder: "Folder",
  file: "File",
  image: "Image",
  video: "Video",
  audio: "Audio",
  pdf: "PDF",
  archive: "Archive",
  document: "Document",
  spreadsheet: "Spreadsheet",
  presentation: "Slides",
  code: "Code",
  text: "Text",
};
