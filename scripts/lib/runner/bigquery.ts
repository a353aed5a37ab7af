/**
 * Runs compiled actions on BigQuery: one query job per statement (statements from bigquery-sql.ts), in the
 * location of the workflow settings, with job labels naming the action. `--dry-run` turns every job into a dry-run
 * job (nothing is created or changed) and reports the bytes BigQuery says each action would process.
 *
 * Credentials (resolved offline before the client is made, see ../bigquery-credentials.ts): the key file named by
 * GP2GP_BIGQUERY_KEY_FILE or GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials, or the
 * metadata server when GP2GP_BIGQUERY_METADATA_CREDENTIALS=1. Job project: GP2GP_BIGQUERY_PROJECT, else the compiled
 * default database (defaultProject in workflow_settings.yaml). BIGQUERY_EMULATOR_HOST is honoured by the client library.
 */
import type { Engine } from "../../../includes/engine";
import { createBigQueryClient, resolveBigQueryCredentials, type ResolvedBigQueryCredentials } from "../bigquery-credentials";
import type { CompiledGraph, Target } from "../compile";
import {
  assertionCountQuery,
  assertionSampleQuery,
  assertionViewStatement,
  createSchemaStatement,
  describeQuery,
  existenceCheckQuery,
  ExistingRelation,
  isBlankSql,
  planTableBuild,
  relationType,
  StatementPurpose,
  tableReference,
  TableKind,
  TablePlan,
} from "./bigquery-sql";
import { AssertionRecord, assertionResultsStatements, assertionResultsTable } from "./assertion-results";
import { contextOf } from "../project-context";
import { compareResults } from "./compare";
import type { Action, ActionResult, AssertionResult, ExecuteOptions, Executor, Row, TestResult } from "./types";

export const DEFAULT_LOCATION = "europe-west2";
const SAMPLE_SIZE = 10;

/** The query-job configuration passed to `createQueryJob` / `query` of @google-cloud/bigquery. */
export interface QueryJobConfig {
  readonly query: string;
  readonly location: string;
  readonly useLegacySql: false;
  readonly dryRun?: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly jobTimeoutMs?: number;
  readonly maximumBytesBilled?: string;
}

export type JobPurpose =
  | StatementPurpose
  | "create-dataset"
  | "check-source"
  | "operation"
  | "assertion-view"
  | "assertion-count"
  | "assertion-sample"
  | "test-query"
  | "expected-output"
  | "assertion-results";

export interface PlannedJob {
  readonly purpose: JobPurpose;
  readonly config: QueryJobConfig;
}

/** What jobsFor needs besides the action: where jobs run, and what already exists. */
export interface JobContext {
  readonly location: string;
  /** The action's target as it exists before the action runs (tables, views and incrementals); undefined: absent. */
  readonly existing?: ExistingRelation;
  /** Labels added to every job (BigQuery label rules: lower case, digits, _ and -, at most 63 characters). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly jobTimeoutMs?: number;
  /** Upper bound on bytes billed per job; a job over it fails instead of running. */
  readonly maximumBytesBilled?: string;
}

/** The subset of a @google-cloud/bigquery Job the executor uses. */
export interface QueryJobLike {
  readonly id?: string;
  readonly metadata?: JobMetadata;
  getQueryResults(options?: { autoPaginate?: boolean }): Promise<unknown[]>;
  getMetadata(): Promise<unknown[]>;
}

export interface JobMetadata {
  statistics?: {
    totalBytesProcessed?: string;
    query?: {
      totalBytesProcessed?: string;
      numDmlAffectedRows?: string;
    };
  };
}

/** The subset of the @google-cloud/bigquery client the executor uses; tests inject a fake. */
export interface BigQueryClientLike {
  createQueryJob(options: QueryJobConfig): Promise<unknown[]>;
  query(options: QueryJobConfig): Promise<unknown[]>;
}

/**
 * The jobs that run `action`, in order. Pure: whatever depends on BigQuery's state comes in through `context`
 * (`existing`). Assertion samples are listed but run only when the count is non-zero (and never in a dry run).
 * Throws ProtectedTableError for a full refresh of an existing protected incremental table.
 */
export function jobsFor(action: Action, options: ExecuteOptions, context: JobContext): PlannedJob[] {
  const job = (purpose: JobPurpose, query: string, dryRun = options.dryRun): PlannedJob => ({
    purpose,
    config: jobConfig(query, action, context, dryRun),
  });
  switch (action.kind) {
    case "declaration":
      // A dry run is free and fails with "Not found" when the source is missing, whatever the run's mode.
      return [job("check-source", existenceCheckQuery(action.target), true)];
    case "table":
    case "view":
    case "incremental":
      return tablePlan(action, options, context).statements.map((s) => job(s.purpose, s.sql));
    case "operation":
      return action.compiled.queries.filter((q) => !isBlankSql(q)).map((q) => job("operation", q));
    case "assertion":
      return [
        job("assertion-view", assertionViewStatement(action.compiled)),
        job("assertion-count", assertionCountQuery(action.compiled.query)),
        job("assertion-sample", assertionSampleQuery(action.compiled.query, SAMPLE_SIZE)),
      ];
    case "test":
      return [job("test-query", action.compiled.testQuery), job("expected-output", action.compiled.expectedOutputQuery)];
  }
}

/** The build plan of a table, view or incremental (exposed for the result detail: first build, merge, insert). */
export function tablePlan(action: Action & { kind: "table" | "view" | "incremental" }, options: ExecuteOptions, context: JobContext): TablePlan {
  return planTableBuild(action.compiled, action.kind, { fullRefresh: options.fullRefresh, existing: context.existing });
}

/** The `CREATE SCHEMA IF NOT EXISTS` jobs for every dataset the actions write to. */
export function datasetJobs(actions: readonly Action[], options: ExecuteOptions, context: JobContext & { project: string }): PlannedJob[] {
  const datasets = new Map<string, { project: string; dataset: string }>();
  for (const action of actions) {
    if (action.kind === "declaration" || action.kind === "test") continue;
    const project = action.target.database ?? context.project;
    datasets.set(`${project}.${action.target.schema}`, { project, dataset: action.target.schema });
  }
  return [...datasets.values()].map(({ project, dataset }) => ({
    purpose: "create-dataset" as const,
    config: {
      query: createSchemaStatement(project, dataset, context.location),
      location: context.location,
      useLegacySql: false as const,
      labels: { ...(context.labels ?? {}) },
      ...(options.dryRun ? { dryRun: true } : {}),
    },
  }));
}

function jobConfig(query: string, action: Action, context: JobContext, dryRun: boolean): QueryJobConfig {
  return {
    query,
    location: context.location,
    useLegacySql: false,
    labels: { ...(context.labels ?? {}), gp2gp_action: labelValue(action.name) },
    ...(dryRun ? { dryRun: true } : {}),
    ...(context.jobTimeoutMs ? { jobTimeoutMs: context.jobTimeoutMs } : {}),
    ...(context.maximumBytesBilled ? { maximumBytesBilled: context.maximumBytesBilled } : {}),
  };
}

/** A BigQuery label value: lower-case letters, digits, _ and -, at most 63 characters. */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}

export interface BigQueryExecutorOptions {
  readonly client: BigQueryClientLike;
  /** Project the jobs run (and are billed) in. */
  readonly projectId: string;
  readonly location?: string;
  /** The marts dataset of the project context, where the run's assertion results are recorded. */
  readonly marts: string;
  /** Labels on every job, besides gp2gp_action. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly jobTimeoutMs?: number;
  readonly maximumBytesBilled?: string;
}

export class BigQueryExecutor implements Executor {
  readonly engine: Engine = "bigquery";
  readonly assertionResultsTable: Target;
  private readonly client: BigQueryClientLike;
  private readonly projectId: string;
  private readonly location: string;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly jobTimeoutMs?: number;
  private readonly maximumBytesBilled?: string;
  /** Project of the marts dataset, where the run's assertion results are written (known after prepare). */
  private resultsProject: string;

  constructor(options: BigQueryExecutorOptions) {
    this.client = options.client;
    this.projectId = options.projectId;
    this.location = options.location ?? DEFAULT_LOCATION;
    this.labels = { app: "gp2gp", ...(options.labels ?? {}) };
    this.jobTimeoutMs = options.jobTimeoutMs;
    this.maximumBytesBilled = options.maximumBytesBilled;
    this.resultsProject = options.projectId;
    this.assertionResultsTable = assertionResultsTable(options.marts);
  }

  /**
   * An executor with a real client: project from GP2GP_BIGQUERY_PROJECT or the graph's default database (else the
   * credentials' project), location from the workflow settings (defaultLocation), the marts dataset from the graph's
   * vars, credentials as described at the top of this file. Throws BigQueryCredentialsError, before any client is
   * made, when nothing supplies them.
   */
  static fromEnvironment(
    graph: CompiledGraph,
    env: NodeJS.ProcessEnv = process.env,
    credentials: ResolvedBigQueryCredentials = BigQueryExecutor.credentials(env, graph.projectConfig.defaultDatabase),
  ): BigQueryExecutor {
    const location = (graph.projectConfig as { defaultLocation?: string }).defaultLocation || DEFAULT_LOCATION;
    const client = createBigQueryClient(credentials, location);
    return new BigQueryExecutor({ client: client as unknown as BigQueryClientLike, projectId: credentials.projectId, location, marts: contextOf(graph).datasets.marts });
  }

  /**
   * The runner's credentials and job project (GP2GP_BIGQUERY_PROJECT, else `defaultProject`: the graph's default
   * database, i.e. workflow_settings.yaml's defaultProject), resolved offline; throws BigQueryCredentialsError.
   */
  static credentials(env: NodeJS.ProcessEnv, defaultProject: string | undefined): ResolvedBigQueryCredentials {
    return resolveBigQueryCredentials({
      env,
      projectId: env.GP2GP_BIGQUERY_PROJECT || defaultProject,
      projectHint: "GP2GP_BIGQUERY_PROJECT (else defaultProject in workflow_settings.yaml)",
      keyFileVariable: "GP2GP_BIGQUERY_KEY_FILE",
    });
  }

  async prepare(actions: readonly Action[], options: ExecuteOptions): Promise<void> {
    // Nothing to clean up from crashed runs: every statement is a single job that leaves no temporary objects.
    this.resultsProject = actions.find((a) => a.target.database && a.target.schema === this.assertionResultsTable.schema)?.target.database ?? this.projectId;
    for (const job of datasetJobs(actions, options, this.context())) await this.execute(job, "datasets");
  }

  async checkDeclaration(action: Action & { kind: "declaration" }): Promise<void> {
    const [job] = jobsFor(action, { fullRefresh: false, dryRun: true }, this.context());
    try {
      await this.client.createQueryJob(job.config);
    } catch (error) {
      // A source that requires a partition filter cannot be read with a bare SELECT *, but it exists.
      if (isPartitionFilterError(error)) return;
      if (isNotFound(error)) {
        throw new Error(`Declared source ${tableReference(action.target)} does not exist (or is not readable) in location ${this.location}: ${errorMessage(error)}`);
      }
      throw new Error(`${action.name}: could not check the declared source: ${errorMessage(error)}`);
    }
  }

  async build(action: Action & { kind: "table" | "view" | "incremental" }, options: ExecuteOptions): Promise<ActionResult> {
    const existing = await this.describe(action.target);
    const context = this.context(existing);
    const plan = tablePlan(action, options, context);
    const jobs = jobsFor(action, options, context);
    let bytes = 0;
    let written: number | undefined;
    const warnings: string[] = [];
    for (const job of jobs) {
      try {
        const result = await this.execute(job, action.name);
        bytes += result.bytes ?? 0;
        if (job.purpose === "merge" || job.purpose === "insert") written = result.dmlRows;
      } catch (error) {
        // Column descriptions are documentation: a failure to set them is reported, not fatal to the build.
        if (job.purpose === "column-descriptions") warnings.push(`column descriptions not set: ${errorMessage(error)}`);
        else throw error;
      }
    }
    const what = buildDescription(action.kind, plan.mode, options, existing !== undefined, written);
    if (options.dryRun) return { bytesProcessed: bytes, detail: [`dry run (${what}): ${formatBytes(bytes)}`, ...warnings].join("; ") };
    let rows: number | undefined;
    if (action.kind !== "view") {
      try {
        rows = await this.count(action.target);
      } catch (error) {
        // A table that requires a partition filter cannot be counted without one; the build itself succeeded.
        if (!isPartitionFilterError(error)) warnings.push(`row count unavailable: ${errorMessage(error)}`);
      }
    }
    return { rows, detail: [what, ...warnings].join("; ") };
  }

  async runOperation(action: Action & { kind: "operation" }, options: ExecuteOptions): Promise<ActionResult> {
    let bytes = 0;
    let affected: number | undefined;
    for (const job of jobsFor(action, options, this.context())) {
      const result = await this.execute(job, action.name);
      bytes += result.bytes ?? 0;
      if (result.dmlRows !== undefined) affected = (affected ?? 0) + result.dmlRows;
    }
    if (options.dryRun) return { bytesProcessed: bytes, detail: `dry run: ${formatBytes(bytes)}` };
    return affected === undefined ? {} : { rows: affected };
  }

  async runAssertion(action: Action & { kind: "assertion" }, options: ExecuteOptions): Promise<AssertionResult> {
    const jobs = jobsFor(action, options, this.context());
    const byPurpose = (purpose: JobPurpose) => jobs.find((j) => j.purpose === purpose)!;
    const view = await this.execute(byPurpose("assertion-view"), action.name);
    if (options.dryRun) {
      const count = await this.execute(byPurpose("assertion-count"), action.name);
      const bytes = (view.bytes ?? 0) + (count.bytes ?? 0);
      return { failingRows: 0, sample: [], bytesProcessed: bytes, detail: `dry run: ${formatBytes(bytes)}` };
    }
    const [countRow] = await this.read(byPurpose("assertion-count"), action.name);
    const failingRows = Number(countRow?.failing_rows ?? 0);
    const sample = failingRows > 0 ? await this.read(byPurpose("assertion-sample"), action.name) : [];
    return { rows: failingRows, failingRows, sample };
  }

  async runTest(action: Action & { kind: "test" }, options: ExecuteOptions): Promise<TestResult> {
    const [testJob, expectedJob] = jobsFor(action, options, this.context());
    if (options.dryRun) {
      const bytes = ((await this.execute(testJob, action.name)).bytes ?? 0) + ((await this.execute(expectedJob, action.name)).bytes ?? 0);
      return { passed: true, bytesProcessed: bytes, detail: `dry run: ${formatBytes(bytes)}` };
    }
    const actual = await this.read(testJob, action.name);
    const expected = await this.read(expectedJob, action.name);
    const comparison = compareResults(actual, expected);
    return { passed: comparison.passed, message: comparison.message, rows: actual.length };
  }

  async prepareAssertionResults(): Promise<void> {
    const { create } = this.assertionResultsStatements([]);
    await this.execute(this.resultsJob(createSchemaStatement(this.resultsProject, this.assertionResultsTable.schema, this.location)), "assertion results");
    await this.execute(this.resultsJob(create), "assertion results");
  }

  async recordAssertionResults(records: readonly AssertionRecord[]): Promise<void> {
    const { insert, prune } = this.assertionResultsStatements(records);
    if (insert) await this.execute(this.resultsJob(insert), "assertion results");
    await this.execute(this.resultsJob(prune), "assertion results");
  }

  private assertionResultsStatements(records: readonly AssertionRecord[]) {
    return assertionResultsStatements("bigquery", tableReference({ ...this.assertionResultsTable, database: this.resultsProject }), records);
  }

  private resultsJob(query: string): PlannedJob {
    return { purpose: "assertion-results", config: this.config(query, this.assertionResultsTable) };
  }

  async close(): Promise<void> {
    // The client holds no connections that need closing.
  }

  /**
   * The relation at `target` before a build, from INFORMATION_SCHEMA (also in a dry run: it reads metadata only and
   * changes nothing; a dry-run SELECT could not read a table that requires a partition filter).
   */
  async describe(target: Target): Promise<ExistingRelation | undefined> {
    try {
      const [rows] = (await this.client.query({ ...this.config(describeQuery(target), target), params: { table_name: target.name } })) as [Row[]];
      const row = rows[0] as { table_type?: string; column_names?: string[] } | undefined;
      if (!row?.table_type) return undefined;
      return { type: relationType(row.table_type), columns: row.column_names ?? [] };
    } catch (error) {
      if (isNotFound(error)) return undefined; // the dataset itself does not exist yet
      throw new Error(`Could not read INFORMATION_SCHEMA for ${tableReference(target)}: ${errorMessage(error)}`);
    }
  }

  private context(existing?: ExistingRelation): JobContext & { project: string } {
    return {
      project: this.projectId,
      location: this.location,
      existing,
      labels: this.labels,
      jobTimeoutMs: this.jobTimeoutMs,
      maximumBytesBilled: this.maximumBytesBilled,
    };
  }

  /** A read the executor itself needs (metadata, row counts), labelled with the action's target. */
  private config(query: string, target: Target): QueryJobConfig {
    return {
      query,
      location: this.location,
      useLegacySql: false,
      labels: { ...this.labels, gp2gp_action: labelValue(`${target.schema}.${target.name}`) },
    };
  }

  /** Runs one job to completion; a dry-run job returns at once with its byte estimate. */
  private async execute(job: PlannedJob, actionName: string): Promise<{ bytes?: number; dmlRows?: number }> {
    try {
      const [created] = (await this.client.createQueryJob(job.config)) as [QueryJobLike];
      if (job.config.dryRun) return { bytes: bytesOf(created.metadata) };
      await created.getQueryResults({ autoPaginate: false });
      const [metadata] = (await created.getMetadata()) as [JobMetadata];
      const dml = metadata?.statistics?.query?.numDmlAffectedRows;
      return { bytes: bytesOf(metadata), dmlRows: dml === undefined ? undefined : Number(dml) };
    } catch (error) {
      throw jobError(job, actionName, error);
    }
  }

  /** Runs a query and returns all its rows with driver wrapper values unwrapped. */
  private async read(job: PlannedJob, actionName: string): Promise<Row[]> {
    try {
      const [rows] = (await this.client.query(job.config)) as [Row[]];
      return rows.map((row) => normaliseValue(row) as Row);
    } catch (error) {
      throw jobError(job, actionName, error);
    }
  }

  private async count(target: Target): Promise<number> {
    // COUNT(*) of a whole table is answered from metadata: no bytes processed.
    const [rows] = (await this.client.query(this.config(`select count(*) as row_count from ${tableReference(target)}`, target))) as [Row[]];
    return Number(rows[0]?.row_count ?? 0);
  }
}

/** Plain JS values for result rows: DATE/TIMESTAMP wrappers to their text, NUMERIC (big.js) to numbers. */
export function normaliseValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === "value" && typeof object.value === "string") return object.value;
    if (Array.isArray(object.c) && typeof object.e === "number" && typeof object.s === "number") return Number(String(value));
    return Object.fromEntries(keys.map((k) => [k, normaliseValue(object[k])]));
  }
  return value;
}

/** The progress-line text of a build: what was done ("merged 12 rows", "first build") or, in a dry run, planned. */
function buildDescription(kind: TableKind, mode: TablePlan["mode"], options: ExecuteOptions, existed: boolean, written: number | undefined): string {
  if (mode === "merge" || mode === "insert") {
    if (options.dryRun) return mode;
    return `${mode === "merge" ? "merged" : "inserted"} ${written ?? "?"} rows`;
  }
  if (kind === "incremental") return existed && options.fullRefresh ? "full refresh" : "first build";
  if (kind === "view") return options.dryRun ? "view" : "view created";
  return options.dryRun ? "table" : "built";
}

function isPartitionFilterError(error: unknown): boolean {
  return /without a filter over column\(s\).*partition elimination/is.test(errorMessage(error));
}

function bytesOf(metadata: JobMetadata | undefined): number {
  const text = metadata?.statistics?.query?.totalBytesProcessed ?? metadata?.statistics?.totalBytesProcessed;
  return text === undefined ? 0 : Number(text);
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: number; errors?: { reason?: string }[]; message?: string };
  return e?.code === 404 || (e?.errors ?? []).some((x) => x.reason === "notFound") || /^Not found:/i.test(e?.message ?? "");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error naming the action and the statement's purpose, with BigQuery's message (which carries [line:column]). */
function jobError(job: PlannedJob, actionName: string, error: unknown): Error {
  const firstLine = job.config.query.trim().split("\n")[0].slice(0, 120);
  return new Error(`${actionName}: ${job.purpose}${job.config.dryRun ? " (dry run)" : ""} failed: ${errorMessage(error)}\n  statement: ${firstLine}…`);
}
