// Entry point of the trash page (templates/files/trash.html).
import { installSearch } from "../browser/search.js";
import { installTrash } from "../browser/trash.js";

const root = document.querySelector("[data-trash]");
if (root) {
  installSearch();
  installTrash(root);
}
