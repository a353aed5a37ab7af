/**
 * The project context of a command: the project's vars and the dataset of each layer, built once by the command
 * (from the compiled graph, or from workflow_settings.yaml and --vars where nothing is compiled) and passed down.
 * includes/config.ts's `vars` and `datasets` are for Dataform's compile only: outside it they hold the defaults.
 */
import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { Datasets, datasetsOf, parseVars, ProjectVars } from "../../includes/config";
import type { Engine } from "../../includes/engine";
import { CompiledGraph, PROJECT_DIR } from "./compile";
import { engineOf, parseVarsOption } from "./engine-options";

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
 * The `vars:` of workflow_settings.yaml, read with the yaml package. Vars are a mapping of names to scalars (Dataform
 * passes them to the compile as strings); anything else is an error naming the file and the var.
 * tests/graph/project-context.test.ts checks the result against the vars Dataform compiles with.
 */
export function workflowSettingsVars(projectDir: string = PROJECT_DIR): Record<string, string> {
  return Object.fromEntries(Object.entries(workflowSettings(projectDir).vars ?? {}).map(([name, value]) => [name, String(value)]));
}

/**
 * The `defaultProject:` of workflow_settings.yaml (the BigQuery project of every target, which the compile makes the
 * graph's default database), for what is decided before compiling, such as a BigQuery command's credentials.
 */
export function workflowSettingsDefaultProject(projectDir: string = PROJECT_DIR): string | undefined {
  return workflowSettings(projectDir).defaultProject ?? undefined;
}

/** The `defaultLocation:` of workflow_settings.yaml: where the datasets are and BigQuery jobs run. */
export function workflowSettingsDefaultLocation(projectDir: string = PROJECT_DIR): string | undefined {
  return workflowSettings(projectDir).defaultLocation ?? undefined;
}

function workflowSettings(projectDir: string): z.infer<typeof workflowSettingsSchema> {
  const file = path.join(projectDir, "workflow_settings.yaml");
  const settings = workflowSettingsSchema.safeParse(parseYaml(fs.readFileSync(file, "utf8")));
  if (!settings.success) {
    const problems = settings.error.issues.map((issue) => `${issue.path.join(".") || "(the file)"}: ${issue.message}`);
    throw new Error(`${file}: ${problems.join("; ")}`);
  }
  return settings.data;
}

const workflowSettingsSchema = z.object({
  defaultProject: z.string().trim().min(1, { error: "defaultProject must name a Google Cloud project" }).nullish(),
  defaultLocation: z.string().trim().min(1, { error: "defaultLocation must name a BigQuery location" }).nullish(),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: "vars must map each name to a single value" }).nullish(),
});

/** The project context of a command's --engine (default duckdb) and --vars: workflow_settings.yaml's vars under --vars. */
export function projectContextOf(options: { engine?: string; vars?: string }): ProjectContext {
  return projectContext({ engine: engineOf(options), vars: parseVarsOption(options.vars) });
}
