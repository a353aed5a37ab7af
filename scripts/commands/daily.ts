/**
 * `gp2gp daily --inbox DIR`: the scheduled job (cron or a systemd timer). Loads the new files of the inbox, runs the
 * graph, raises alerts, and publishes a month that has become final; one line per step, and an exit code a scheduler
 * can act on.
 */
import { Command, Option } from "commander";
import { addDatabaseOption, addLockWaitOption, addTimeToleranceOption, addVarsOption, databasePath, lockWaitOf, parseVarsOption, timeToleranceOption } from "../lib/engine-options";

const HELP = `
One run: load the new files of DIR/spine/ (YYYY-MM-DD_spine_messages.csv[.gz]) and DIR/reference/
(*organisationMetadata.json, YYYY-MM_asidLookup.csv[.gz], geography*.csv), skipping files already loaded (by SHA-256)
and moving a file the loader refuses to DIR/quarantine/ with <name>.reason.txt; run the graph incrementally; write
each new alert as a JSON line to DIR/alerts/<day>.jsonl (and POST it to the webhook, 3 attempts); for each month that
has become final, check the publish gate, export its metrics and the four reports to DIR/exports/<YYYY-MM>/ and
publish its public edition. Each call is one row of <marts>.pipeline_runs.

Exit codes:
  0  done
  1  failed (the run row says why; the next call completes it)
  2  bad usage
  3  publish gate failed: nothing was published
  4  nothing new: no file to load (only the run row was added)`;

export function registerDailyCommand(program: Command): Command {
  return addVarsOption(addLockWaitOption(addTimeToleranceOption(addDatabaseOption(program.command("daily").description("The scheduled run: load the inbox's new files, run the graph, raise alerts, publish final months")))))
    .requiredOption("--inbox <dir>", "the inbox folder: spine/ and reference/ in; alerts/, exports/ and quarantine/ out")
    .option("--summary-json <file>", "also write the run's row, files, alerts and editions as JSON")
    .addOption(new Option("--webhook <url>", "POST each alert to this incoming webhook (Slack or Microsoft Teams)").env("GP2GP_ALERT_WEBHOOK"))
    .addHelpText("after", HELP)
    // A usage error (a missing or unknown option) exits 2, as the help says, not commander's 1.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (options) => {
      const [{ runDaily, dailySummaryJson, DailyUsageError }, { projectContextOf }, { writeFileAtomically }] = await Promise.all([
        import("../lib/daily"),
        import("../lib/project-context"),
        import("../lib/files"),
      ]);
      // Bad --vars or --time-tolerance-days are bad usage: they throw to the program's handler, which exits 2.
      const vars = parseVarsOption(options.vars);
      const context = projectContextOf(options);
      let result;
      try {
        result = await runDaily({
          inbox: options.inbox,
          database: databasePath(options),
          vars,
          context,
          webhook: options.webhook || undefined,
          timeToleranceDays: timeToleranceOption(options),
          lockWait: lockWaitOf(options),
          onStep: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (error) {
        process.stderr.write(`gp2gp daily: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = error instanceof DailyUsageError ? 2 : 1;
        return;
      }
      if (options.summaryJson) writeFileAtomically(options.summaryJson, dailySummaryJson(result));
      process.exitCode = result.exitCode;
    });
}
