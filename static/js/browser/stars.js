// Stars: the selection bar's Star / Unstar (and the * key). A star is the user's own mark
// on a file or folder (theirs or shared with them); "Starred" lists them.
import { del, put } from "../lib/api.js";
import { countOf } from "../lib/format.js";
import { showError, toast } from "../lib/toast.js";
import { reloadKeepingSelection } from "./listing.js";
import { render } from "./render.js";
import { setFocus } from "./selection.js";
import { starPlan, state } from "./state.js";

const starPath = (item) => `${item.kind === "folder" ? "folders" : "files"}/${item.id}/star/`;

/** Star the items (or unstar them, when all are starred), then redraw. */
export async function starToggle(items) {
  const { unstar, targets } = starPlan(items);
  if (!targets.length) return;
  let count = 0;
  for (const item of targets) {
    try {
      if (unstar) await del(starPath(item));
      else await put(starPath(item));
      item.starred = !unstar;
      count += 1;
    } catch (error) {
      showError(new Error(`${item.name}: ${error.message}`));
    }
  }
  if (!count) return;
  toast(`${unstar ? "Unstarred" : "Starred"} ${countOf(count, "item")}.`);
  if (state.collection === "starred" && unstar) {
    await reloadKeepingSelection(); // unstarred items leave the Starred list
    return;
  }
  const focused = document.activeElement?.closest?.('[role="option"]');
  render();
  if (focused) setFocus(state.focus);
}
