/**
 * Where the project is. The command runs either from its TypeScript sources (ts-node) or from the JavaScript compiled
 * at install into node_modules/.cache (scripts/build-cli.js), so no path is taken relative to a module's own folder:
 * the project is the nearest folder above that holds this package's package.json.
 */
import fs from "node:fs";
import path from "node:path";

const PACKAGE_NAME = "gp2gp-transfer-insights";

function projectDirFrom(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No ${PACKAGE_NAME} package.json in ${start} or any folder above it.`);
  }
}

/** The project's top folder: package.json, workflow_settings.yaml, definitions/, reports/, scripts/. */
export const PROJECT_DIR = projectDirFrom(__dirname);
