/**
 * The contract between the runner (ordering, selection, progress, failure handling) and an engine executor
 * (DuckDB or BigQuery), which turns one compiled action into statements and runs them.
 */
import type { Engine } from "../../../includes/engine";
import type { CompiledAssertion, CompiledDeclaration, CompiledOperation, CompiledTable, CompiledTest, Target } from "../compile";

export type ActionKind = "declaration" | "table" | "view" | "incremental" | "operation" | "assertion" | "test";

interface ActionBase {
  /** "schema.name" (tests: "test:<name>"). */
  readonly name: string;
  readonly target: Target;
  /** Names of the actions this one depends on. */
  readonly dependencies: readonly string[];
  readonly tags: readonly string[];
  readonly fileName: string;
}

export type Action =
  | (ActionBase & { readonly kind: "declaration"; readonly compiled: CompiledDeclaration })
  | (ActionBase & { readonly kind: "table" | "view" | "incremental"; readonly compiled: CompiledTable })
  | (ActionBase & { readonly kind: "operation"; readonly compiled: CompiledOperation })
  | (ActionBase & { readonly kind: "assertion"; readonly compiled: CompiledAssertion })
  | (ActionBase & { readonly kind: "test"; readonly compiled: CompiledTest });

export type Row = Record<string, unknown>;

export interface ActionResult {
  /** Rows in the relation after the action (tables, incrementals), rows affected (operations), failing rows (assertions). */
  readonly rows?: number;
  /** Bytes a BigQuery dry run says the action would process. */
  readonly bytesProcessed?: number;
  /** Free-form detail for the progress line, e.g. "merged 120 rows" or "first build". */
  readonly detail?: string;
}

export interface AssertionResult extends ActionResult {
  readonly failingRows: number;
  /** Up to 10 failing rows. */
  readonly sample: readonly Row[];
}

export interface TestResult extends ActionResult {
  readonly passed: boolean;
  /** Why the test failed: differing columns or rows. */
  readonly message?: string;
}

export interface ExecuteOptions {
  readonly fullRefresh: boolean;
  readonly dryRun: boolean;
}

export interface Executor {
  readonly engine: Engine;
  /** Where the run's assertion results are recorded: run_assertion_results in the marts dataset. */
  readonly assertionResultsTable: Target;
  /** Creates what must exist before any action runs (schemas / datasets) and removes leftovers of crashed runs. */
  prepare(actions: readonly Action[], options: ExecuteOptions): Promise<void>;
  /** Throws an Error naming the relation when a declared source does not exist. */
  checkDeclaration(action: Action & { kind: "declaration" }): Promise<void>;
  /** Builds a table, view or incremental table. Throws on a protected full refresh. */
  build(action: Action & { kind: "table" | "view" | "incremental" }, options: ExecuteOptions): Promise<ActionResult>;
  runOperation(action: Action & { kind: "operation" }, options: ExecuteOptions): Promise<ActionResult>;
  runAssertion(action: Action & { kind: "assertion" }, options: ExecuteOptions): Promise<AssertionResult>;
  runTest(action: Action & { kind: "test" }, options: ExecuteOptions): Promise<TestResult>;
  /** Creates the assertion results table when it does not exist (never called in a dry run). */
  prepareAssertionResults(): Promise<void>;
  /** Appends a run's assertion results to the assertion results table and drops runs beyond the retained ones. */
  recordAssertionResults(records: readonly AssertionRecord[]): Promise<void>;
  close(): Promise<void>;
}

export type ActionStatus = "done" | "failed" | "skipped" | "passed";

export interface ActionOutcome {
  readonly action: Action;
  readonly status: ActionStatus;
  readonly seconds: number;
  readonly result?: ActionResult;
  readonly error?: string;
  readonly sample?: readonly Row[];
}

export interface RunSummary {
  readonly outcomes: readonly ActionOutcome[];
  readonly seconds: number;
  readonly ok: boolean;
  /**
   * Why the run's assertion results could not be recorded in the executor's assertion results table (undefined:
   * recorded, or nothing to record). It does not change `ok`, which is about the actions only; reporters show it as a warning.
   */
  readonly assertionResultsError?: string;
  /**
   * What the checks of the incremental models read (the graph's assertion_scope var): "run", the rows the run wrote;
   * "table", whole tables. Set by the pipeline.
   */
  readonly assertionScope?: "table" | "run";
}

export interface Reporter {
  actionStarted(action: Action, index: number, total: number): void;
  /** Called about once a second while an action runs for longer than a couple of seconds. */
  actionProgress(action: Action, elapsedSeconds: number, percentage?: number): void;
  actionFinished(outcome: ActionOutcome, index: number, total: number): void;
  runFinished(summary: RunSummary): void;
}

export interface ProgressSource {
  progress?(): number | undefined;
}

export type RecordedStatus = "passed" | "failed" | "skipped";

export interface AssertionRecord {
  readonly run_id: string;
  readonly run_started_at: Date;
  readonly run_finished_at: Date;
  readonly assertion_name: string;
  readonly assertion_dataset: string;
  /** "dataset.table" the assertion checks, when known. */
  readonly checked_table: string | null;
  readonly status: RecordedStatus;
  readonly failing_rows: number | null;
  readonly sample_rows_json: string | null;
  readonly error_message: string | null;
  readonly seconds: number;
}
