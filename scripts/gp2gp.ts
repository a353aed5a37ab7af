/**
 * The `gp2gp` command-line tool: load data, run the Dataform graph on DuckDB or BigQuery, query the marts.
 */
import fs from "node:fs";
import { Command } from "commander";
import { BigQueryCredentialsError } from "./lib/bigquery-credentials";
import {
  addDatabaseOption,
  addEngineOptions,
  addLockWaitOption,
  databasePath,
  engineOf,
  lockWaitOf,
  parseVarsOption,
} from "./lib/engine-options";
import { registerSqlCommand } from "./commands/sql";
import { registerLoadCommands } from "./commands/load";
import { registerGenerateCommand } from "./commands/generate";
import { registerBenchCommands } from "./commands/bench";
import { registerReportsCommands } from "./commands/reports";
import { registerExportMetricsCommand } from "./commands/export-metrics";
import { registerExportReportCommand } from "./commands/export-report";
import { registerDailyCommand } from "./commands/daily";
import { registerStartCommand } from "./commands/start";

const program = new Command();
program
  .name("gp2gp")
  .description("GP2GP transfer insights: Spine messages to classified transfers and monthly metrics, on DuckDB or BigQuery.")
  .showHelpAfterError();

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((v) => v.trim()).filter(Boolean)];

addEngineOptions(program.command("compile").description("Compile the Dataform project offline and list its actions in run order"))
  .option("--json", "print the compiled graph as JSON")
  .action(async (options) => {
    const { compileProject } = await import("./lib/compile");
    const { buildActions, orderActions } = await import("./lib/runner/graph");
    const graph = await compileProject({ engine: engineOf(options), vars: parseVarsOption(options.vars) });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(graph, null, 2)}\n`);
      return;
    }
    for (const action of orderActions(buildActions(graph))) {
      process.stdout.write(`${action.kind.padEnd(12)} ${action.name.padEnd(60)} ${action.tags.join(",")}\n`);
    }
  });

addLockWaitOption(addDatabaseOption(addEngineOptions(program.command("run").description("Run the graph: tables, views, incrementals, operations, assertions and unit tests, in dependency order"))))
  .option("--actions <names>", "only these actions (comma separated; schema.name or name)", list)
  .option("--tags <tags>", "only actions with these tags (comma separated)", list)
  .option("--include-deps", "also run what the selected actions depend on")
  .option("--include-dependents", "also run what depends on the selected actions")
  .option("--full-refresh", "rebuild incremental tables from scratch (protected tables refuse)")
  .option("--full-checks", "check whole tables (an incremental run's checks of incremental tables read only the rows it wrote)")
  .option("--dry-run", "BigQuery only: validate every statement with dry-run jobs and report bytes processed")
  .option("--no-tests", "skip the SQLX unit tests")
  .option("--summary-json <file>", "also write the run's outcome per action (status, rows, seconds) as JSON")
  .action(async (options) => {
    const { runPipeline, writeRunSummary } = await import("./lib/pipeline");
    const summary = await runPipeline({
      engine: engineOf(options),
      database: databasePath(options),
      vars: parseVarsOption(options.vars),
      fullRefresh: options.fullRefresh,
      fullChecks: options.fullChecks,
      dryRun: options.dryRun,
      lockWait: lockWaitOf(options),
      selection: {
        actions: options.actions,
        tags: options.tags,
        includeDependencies: options.includeDeps,
        includeDependents: options.includeDependents,
        includeTests: options.tests,
      },
    });
    if (options.summaryJson) writeRunSummary(options.summaryJson, summary);
    if (!summary.ok) process.exitCode = 1;
  });

registerLoadCommands(program);
registerGenerateCommand(program);
registerBenchCommands(program);
registerExportMetricsCommand(program);
registerExportReportCommand(program);
registerReportsCommands(program);
registerDailyCommand(program);

registerSqlCommand(program);

registerStartCommand(program);

// For benchmarks that run gp2gp as a child process: the child's own peak RSS, written when it exits.
if (process.env.GP2GP_RUSAGE_FILE) {
  const file = process.env.GP2GP_RUSAGE_FILE;
  process.on("exit", () => fs.writeFileSync(file, JSON.stringify({ peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })));
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`gp2gp: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.GP2GP_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  // Missing or unusable Google credentials fail the command as a failed run does (1), before any network call.
  process.exitCode = process.exitCode || (error instanceof BigQueryCredentialsError ? 1 : 2);
});
