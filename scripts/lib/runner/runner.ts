/**
 * Executes selected actions of the compiled graph in dependency order on one executor, with a line per action,
 * progress for long steps and a summary. A failed action (or failing assertion) skips everything that depends on
 * it; the run carries on with the rest and ends non-zero.
 */
import { randomUUID } from "node:crypto";
import { assertionRecords } from "./assertion-results";
import type { Action, ActionOutcome, ExecuteOptions, Executor, ProgressSource, Reporter, Row, RunSummary } from "./types";

export type { ActionOutcome, ActionStatus, ProgressSource, Reporter, RunSummary } from "./types";


export async function runActions(
  actions: readonly Action[],
  executor: Executor & ProgressSource,
  options: ExecuteOptions,
  reporter: Reporter,
): Promise<RunSummary> {
  const started = Date.now();
  const outcomes: ActionOutcome[] = [];
  const unusable = new Map<string, string>(); // action name -> why its dependents cannot run
  await executor.prepare(actions, options);
  // A dry run changes nothing; a run of SQLX unit tests only has no assertion to record.
  const recording = !options.dryRun && actions.some((a) => a.kind === "assertion");
  let assertionResultsError: string | undefined;
  if (!options.dryRun) {
    try {
      await executor.prepareAssertionResults();
    } catch (error) {
      assertionResultsError = resultsError(executor, "could not be created", error);
    }
  }

  for (const [index, action] of actions.entries()) {
    const blockedBy = action.dependencies.find((d) => unusable.has(d));
    if (blockedBy) {
      const outcome: ActionOutcome = { action, status: "skipped", seconds: 0, error: `skipped: depends on ${blockedBy}, which ${unusable.get(blockedBy)}` };
      unusable.set(action.name, "was skipped");
      outcomes.push(outcome);
      reporter.actionFinished(outcome, index, actions.length);
      continue;
    }
    reporter.actionStarted(action, index, actions.length);
    const t0 = Date.now();
    const ticker = setInterval(() => {
      const elapsed = (Date.now() - t0) / 1000;
      if (elapsed >= 2) reporter.actionProgress(action, elapsed, executor.progress?.());
    }, 1000);
    let outcome: ActionOutcome;
    try {
      outcome = await execute(action, executor, options, t0);
    } catch (error) {
      outcome = { action, status: "failed", seconds: (Date.now() - t0) / 1000, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(ticker);
    }
    if (outcome.status === "failed") unusable.set(action.name, action.kind === "assertion" ? "failed its assertion" : "failed");
    outcomes.push(outcome);
    reporter.actionFinished(outcome, index, actions.length);
  }

  if (recording && assertionResultsError === undefined) {
    try {
      await executor.recordAssertionResults(assertionRecords({ runId: randomUUID(), startedAt: new Date(started), finishedAt: new Date() }, outcomes));
    } catch (error) {
      assertionResultsError = resultsError(executor, "could not be written", error);
    }
  }

  const summary: RunSummary = {
    outcomes,
    seconds: (Date.now() - started) / 1000,
    ok: outcomes.every((o) => o.status !== "failed" && o.status !== "skipped"),
    ...(assertionResultsError === undefined ? {} : { assertionResultsError }),
  };
  reporter.runFinished(summary);
  return summary;
}

function resultsError(executor: Executor, what: string, error: unknown): string {
  const table = `${executor.assertionResultsTable.schema}.${executor.assertionResultsTable.name}`;
  return `the assertion results of this run were not recorded: ${table} ${what}: ${error instanceof Error ? error.message : String(error)}`;
}

async function execute(action: Action, executor: Executor, options: ExecuteOptions, t0: number): Promise<ActionOutcome> {
  const seconds = () => (Date.now() - t0) / 1000;
  switch (action.kind) {
    case "declaration":
      await executor.checkDeclaration(action);
      return { action, status: "done", seconds: seconds() };
    case "table":
    case "view":
    case "incremental": {
      const result = await executor.build(action, options);
      return { action, status: "done", seconds: seconds(), result };
    }
    case "operation": {
      const result = await executor.runOperation(action, options);
      return { action, status: "done", seconds: seconds(), result };
    }
    case "assertion": {
      const result = await executor.runAssertion(action, options);
      if (result.failingRows > 0 && !options.dryRun) {
        return { action, status: "failed", seconds: seconds(), result, sample: result.sample, error: `assertion failed: ${result.failingRows} row(s)` };
      }
      return { action, status: "passed", seconds: seconds(), result };
    }
    case "test": {
      const result = await executor.runTest(action, options);
      return result.passed || options.dryRun
        ? { action, status: "passed", seconds: seconds(), result }
        : { action, status: "failed", seconds: seconds(), result, error: result.message ?? "unit test failed" };
    }
  }
}
