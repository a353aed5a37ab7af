/**
 * The project context of a command: the project's vars and the dataset of each layer, built once by the command
 * (from the compiled graph, or from workflow_settings.yaml and --vars where nothing is compiled) and passed down.
 * includes/config.ts's `vars` and `datasets` are for Dataform's compile only: outside it they hold the defaults.
 */
import fs from "node:fs";
import path from "node:path";
import { Datasets, datasetsOf, parseVars, ProjectVars } from "../../includes/config";
import type { Engine } from "../../includes/engine";
import { CompiledGraph, PROJECT_DIR } from "./compile";

export interface ProjectContext {
  readonly vars: ProjectVars;
  readonly datasets: Datasets;
}

/** The context of validated vars. */
export function contextOfVars(vars: ProjectVars): ProjectContext {
  return { vars, datasets: datasetsOf(vars) };
}

/** The context a graph was compiled with (its vars: workflow_settings.yaml's merged with the compile's --vars). */
export function contextOf(graph: CompiledGraph): ProjectContext {
  return contextOfVars(parseVars(graph.projectConfig.vars ?? {}));
}

export interface ProjectContextOptions {
  engine: Engine;
  /** Vars merged over workflow_settings.yaml's (as `--vars` gives them to a compile). */
  vars?: Record<string, string>;
  projectDir?: string;
}

/**
 * The context a compile with these options would have, without compiling: workflow_settings.yaml's vars, `vars`
 * over them, and `engine` over both (as compileProject passes them to Dataform).
 */
export function projectContext(options: ProjectContextOptions): ProjectContext {
  return contextOfVars(parseVars({ ...workflowSettingsVars(options.projectDir), ...(options.vars ?? {}), engine: options.engine }));
}

/**
 * The `vars:` of workflow_settings.yaml. Vars are a mapping of names to scalars, one `name: value` a line (plain,
 * "double" or 'single' quoted, with optional comments), which is all that is read here; anything else in the block
 * is an error rather than something misread. tests/graph/project-context.test.ts checks the result against the vars
 * Dataform compiles with.
 */
export function workflowSettingsVars(projectDir: string = PROJECT_DIR): Record<string, string> {
  const file = path.join(projectDir, "workflow_settings.yaml");
  const vars: Record<string, string> = {};
  let inVars = false;
  for (const [index, line] of fs.readFileSync(file, "utf8").split(/\r?\n/).entries()) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (!/^\s/.test(line)) {
      inVars = /^vars:/.test(line);
      if (inVars && !/^vars:\s*(#.*)?$/.test(line)) throw new Error(`${file}:${index + 1}: write each var on its own line under "vars:"`);
      continue;
    }
    if (!inVars) continue;
    const match = /^\s+([A-Za-z_][A-Za-z0-9_]*):(?:\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s"'#](?:.*?\S)?)))?(?:\s+#.*)?\s*$/.exec(line);
    if (!match) throw new Error(`${file}:${index + 1}: a var must be written "name: value" on one line`);
    const [, name, doubleQuoted, singleQuoted, plain] = match;
    vars[name!] = doubleQuoted !== undefined ? (JSON.parse(`"${doubleQuoted}"`) as string) : singleQuoted !== undefined ? singleQuoted.replace(/''/g, "'") : (plain ?? "");
  }
  return vars;
}
