/**
 * Where the Evidence reports project is, and names every reports module shares.
 */
import path from "node:path";
import { PROJECT_DIR } from "../paths";

export const REPORTS_DIR = path.join(PROJECT_DIR, "reports");
/** The Evidence source every page reads (`gp2gp.<table>`), whichever engine it is extracted from. */
export const SOURCE_NAME = "gp2gp";

/** The site path of a page file under pages/: "operations.md" → "/operations/", "index.md" → "/". */
export function routeOf(page: string): string {
  const route = page.replace(/\.md$/, "").replace(/(^|\/)index$/, "");
  return route === "" ? "/" : `/${route}/`;
}
