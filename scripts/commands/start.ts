/**
 * `npm start` (`gp2gp start`): the main job (scripts/lib/main-job.ts). Loads the configured data folder (or generates
 * a demo set the first time), runs the whole graph on DuckDB, builds the public report site and prints what was built
 * and how to explore it.
 */
import { Command } from "commander";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, databasePath, lockWaitOf, timeToleranceOption } from "../lib/engine-options";

export function registerStartCommand(program: Command): Command {
  return addLockWaitOption(addTimeToleranceOption(addDatabaseOption(program.command("start").description("The main job: load the configured data (or generate a demo set), run the graph and summarise"))))
    .option("--data <dir>", "folder with spine/ and reference/ files to load (env GP2GP_DATA_DIR); without it a demo set is generated")
    .option("--no-reports", "do not build the report site at the end")
    .action(async (options) => {
      const { runMainJob } = await import("../lib/main-job");
      const ok = await runMainJob({
        database: databasePath(options),
        dataDir: options.data ?? process.env.GP2GP_DATA_DIR,
        reports: options.reports,
        timeToleranceDays: timeToleranceOption(options),
        lockWait: lockWaitOf(options),
      });
      if (!ok) process.exitCode = 1;
    });
}
