// Entry point of the activity page (templates/activity/list.html): times in the browser's zone.
import { localizeTimes } from "../lib/local-times.js";

localizeTimes();
