/**
 * Offline BigQuery conformance: type-checks the statements the BigQuery executor would run with Google's ZetaSQL
 * analyzer (@fivetrandevelopers/zetasql, a local gRPC server), in BigQuery mode (external product mode, maximum
 * language features), against a catalog of the raw tables (includes/raw_schemas.ts) to which every model's output
 * is added, with the column names and types the analyzer reports, as the graph is walked in dependency order.
 * It is the stand-in for a BigQuery dry run, which needs credentials and deployed tables.
 *
 *   const analyzer = await ZetaSqlAnalyzer.start();
 *   try { const findings = await analyzeGraph(graph, { analyzer }); } finally { await analyzer.close(); }
 */
import { ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import type { SimpleCatalogProto } from "@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleCatalogProto";
import type { TypeProto } from "@fivetrandevelopers/zetasql/lib/types/zetasql/TypeProto";
import type { LanguageOptionsProto } from "@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageOptionsProto";
import type { AnalyzerOptionsProto } from "@fivetrandevelopers/zetasql/lib/types/zetasql/AnalyzerOptionsProto";
import type { SqlType } from "../../includes/engine";
import { RAW_TABLES, RawTable } from "../../includes/raw_schemas";
import type { CompiledGraph, CompiledTable } from "../../scripts/lib/compile";
import {
  assertionCountQuery,
  assertionViewStatement,
  incrementalQuery,
  isBlankSql,
  planTableBuild,
  TableKind,
} from "../../scripts/lib/runner/bigquery-sql";
import { buildActions, orderActions } from "../../scripts/lib/runner/graph";
import type { Action } from "../../scripts/lib/runner/types";

type ZetaSqlModule = typeof import("@fivetrandevelopers/zetasql");

export interface CatalogColumn {
  readonly name: string;
  readonly type: TypeProto;
}

export interface StatementAnalysis {
  /** The statement's text (one statement of a script). */
  readonly sql: string;
  readonly error?: string;
  /** Output columns of a query, CREATE TABLE … AS or CREATE VIEW. */
  readonly columns?: readonly CatalogColumn[];
  /** Name path of the table or view a CREATE statement creates. */
  readonly created?: readonly string[];
}

export interface Finding {
  /** Action name ("schema.name", tests "test:<name>"). */
  readonly action: string;
  readonly fileName?: string;
  /** What the statement does for the action: "create", "merge", "pre-op", "assertion count", "test query", … */
  readonly purpose: string;
  /** The SQL analysed. */
  readonly statement: string;
  /** The analyzer's message (with the offending line), or why the statement could not be analysed. */
  readonly error?: string;
}

export interface AnalyzerStartOptions {
  /** How long the server may take to answer its first request. */
  readonly startupTimeoutMs?: number;
  /** Time limit of one analysis request. */
  readonly requestTimeoutMs?: number;
  /** The server executable; default: the package's binary for this platform. */
  readonly binary?: string;
}

/**
 * BigQuery features that ZetaSQL's "maximum" feature set leaves out; without them valid BigQuery would be rejected.
 * The ALTER VIEW one is needed for the column descriptions the executor sets on views.
 */
const BIGQUERY_EXTRA_FEATURES = [
  "FEATURE_ALTER_VIEWS_ALTER_COLUMN_SET_OPTIONS",
  "FEATURE_CREATE_VIEWS_WITH_COLUMN_OPTIONS",
  "FEATURE_INTERVAL_TYPE",
  "FEATURE_V_1_4_GROUPING_SETS",
  "FEATURE_V_1_4_GROUPING_BUILTIN",
  "FEATURE_TIME_BUCKET_FUNCTIONS",
  "FEATURE_CREATE_TABLE_CLONE",
  "FEATURE_ALTER_COLUMN_SET_DATA_TYPE",
] as const;

/** Start of the error of an action skipped because something it depends on failed analysis. */
export const NOT_ANALYSED = "not analysed";

const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The ZetaSQL client is a process-wide singleton (static gRPC stub), so one analyzer may run at a time. */
let running: ZetaSqlAnalyzer | undefined;

/**
 * A running ZetaSQL analyzer server and a client to it. Always `close()` it: the server is a separate native
 * process. A watchdog process also kills it if this process dies without closing it (e.g. a killed test worker).
 */
export class ZetaSqlAnalyzer {
  private closed = false;
  private readonly exitHandler = () => this.killProcesses();

  private constructor(
    private readonly zetasql: ZetaSqlModule,
    private readonly server: ChildProcess,
    private readonly watchdog: ChildProcess | undefined,
    private readonly languageOptions: LanguageOptionsProto,
    private readonly requestTimeoutMs: number,
    readonly port: number,
  ) {
    process.once("exit", this.exitHandler);
  }

  /**
   * Starts the server on a free local port and waits until it answers. Rejects with a message naming the binary
   * when it cannot be started, exits early, or does not answer within `startupTimeoutMs`.
   */
  static async start(options: AnalyzerStartOptions = {}): Promise<ZetaSqlAnalyzer> {
    if (running) throw new Error("A ZetaSQL analyzer is already running in this process; close it first (the client is a singleton).");
    let zetasql: ZetaSqlModule;
    try {
      zetasql = require("@fivetrandevelopers/zetasql") as ZetaSqlModule;
    } catch (error) {
      throw new Error(`The ZetaSQL analyzer package is not installed (npm install --include=dev): ${(error as Error).message}`);
    }
    const binary = options.binary ?? serverBinary();
    const port = await freePort();
    const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;

    // The package's own runServer() spawns the same binary but returns a promise that never settles, keeps the
    // process private and reports neither a failed start nor an exit; spawning it here gives all three.
    const server = spawn(binary, ["localhost", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    server.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const failure = new Promise<never>((_, reject) => {
      server.once("error", (error) => reject(new Error(`Cannot start the ZetaSQL analyzer (${binary}): ${error.message}`)));
      server.once("exit", (code, signal) =>
        reject(new Error(`The ZetaSQL analyzer (${binary}) exited during start-up (${signal ?? `exit code ${code}`})${stderr ? `: ${stderr.trim()}` : ""}`)),
      );
    });
    failure.catch(() => undefined); // observed below; avoids an unhandled rejection when it loses the race
    const watchdog = server.pid ? startWatchdog(server.pid) : undefined;
    // Neither the server nor its output keeps this process alive: a script that forgets close() still exits, and
    // the exit handler (or the watchdog) then stops the server.
    server.unref();
    (server.stderr as unknown as { unref?: () => void } | null)?.unref?.();

    const kill = () => {
      watchdog?.kill("SIGKILL");
      server.kill("SIGKILL");
    };
    try {
      const deadline = Date.now() + startupTimeoutMs;
      // Connect only once the port accepts connections: a gRPC channel that failed to connect backs off for a second
      // or more before trying again.
      await Promise.race([failure, waitForPort(port, deadline, binary)]);
      zetasql.ZetaSQLClient.init(port);
      const client = zetasql.ZetaSQLClient.getInstance();
      await Promise.race([failure, waitUntilServing(client, deadline, binary)]);
      const language = await Promise.race([failure, new zetasql.LanguageOptions().enableMaximumLanguageFeatures()]);
      for (const feature of BIGQUERY_EXTRA_FEATURES) language.enableLanguageFeature(feature);
      // External product mode is BigQuery's: no INT32/UINT64/FLOAT/PROTO types, BigQuery's type names. QUALIFY is a
      // reserved keyword in BigQuery; only then does ZetaSQL accept a QUALIFY without WHERE, GROUP BY or HAVING, as
      // BigQuery does (google/zetasql#115).
      const languageOptions: LanguageOptionsProto = { ...language.serialize(), productMode: "PRODUCT_EXTERNAL", reservedKeywords: ["QUALIFY"] };
      const analyzer = new ZetaSqlAnalyzer(zetasql, server, watchdog, languageOptions, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, port);
      server.removeAllListeners("exit");
      server.once("exit", () => {
        analyzer.closed = true;
        if (running === analyzer) running = undefined;
      });
      running = analyzer;
      return analyzer;
    } catch (error) {
      kill();
      closeClient(zetasql);
      throw error;
    }
  }

  /**
   * Analyses one statement or a script of several; stops at the first statement with an error. `afterEach` runs
   * after each statement, before the next is analysed (e.g. to register a table the statement creates).
   */
  async analyzeScript(sql: string, catalog: Catalog, afterEach?: (result: StatementAnalysis) => void): Promise<StatementAnalysis[]> {
    if (this.closed) throw new Error("The ZetaSQL analyzer has been closed (or its server exited).");
    const input = Buffer.from(sql, "utf8");
    const results: StatementAnalysis[] = [];
    let position = 0;
    while (!isBlankSql(input.subarray(position).toString("utf8"))) {
      const client = this.zetasql.ZetaSQLClient.getInstance();
      const request = {
        parseResumeLocation: { input: sql, bytePosition: position },
        simpleCatalog: catalog.toProto(this.languageOptions),
        options: this.analyzerOptions(),
      };
      let response;
      try {
        response = await withTimeout(client.analyze(request), this.requestTimeoutMs, "ZetaSQL analysis");
      } catch (error) {
        const rest = input.subarray(position).toString("utf8");
        results.push({ sql: rest.trim(), error: describeError(error, sql) });
        return results;
      }
      const end = response?.resumeBytePosition && response.resumeBytePosition > position ? response.resumeBytePosition : input.length;
      const statement = input.subarray(position, end).toString("utf8").trim();
      const resolved = response?.resolvedStatement ?? undefined;
      const result: StatementAnalysis = { sql: statement, columns: outputColumns(resolved), created: createdName(resolved) };
      results.push(result);
      afterEach?.(result);
      position = end;
    }
    return results;
  }

  /** Analyses `sql`, which must be exactly one statement. */
  async analyze(sql: string, catalog: Catalog): Promise<StatementAnalysis> {
    const results = await this.analyzeScript(sql, catalog);
    if (results.length === 0) return { sql, error: "No statement to analyse (only comments or whitespace)." };
    if (results.length > 1 && !results.some((r) => r.error)) {
      return { sql, error: `Expected one statement, found ${results.length}.` };
    }
    return results.find((r) => r.error) ?? results[0];
  }

  /** Stops the server and its watchdog and closes the client channel. Safe to call twice. */
  async close(): Promise<void> {
    process.removeListener("exit", this.exitHandler);
    closeClient(this.zetasql);
    if (running === this) running = undefined;
    if (this.server.exitCode === null && this.server.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.server.once("exit", () => resolve()));
      this.server.ref(); // keep this process alive until the exit is seen (the server was unref'd at start)
      this.killProcesses();
      await withTimeout(exited, 5_000, "stopping the ZetaSQL analyzer").catch(() => undefined);
    } else {
      this.killProcesses();
    }
    this.closed = true;
  }

  private killProcesses(): void {
    this.watchdog?.kill("SIGKILL");
    this.server.kill("SIGKILL");
  }

  private analyzerOptions(): AnalyzerOptionsProto {
    return { languageOptions: this.languageOptions, errorMessageMode: "ERROR_MESSAGE_ONE_LINE", defaultTimezone: "UTC" };
  }
}

/**
 * Tables known to the analyzer. A table is registered under its full dotted name (`project.dataset.table`, what
 * Dataform's single-backtick references resolve to), as nested catalogs project → dataset → table (for
 * `` `project`.`dataset`.`table` `` and unquoted paths), and, in the default project, as `dataset.table` both ways.
 */
export class Catalog {
  private readonly tables = new Map<string, { path: string[]; columns: readonly CatalogColumn[] }>();
  private cached?: SimpleCatalogProto;
  private cachedFor?: LanguageOptionsProto;

  constructor(readonly defaultProject?: string) {}

  /** Adds or replaces a table; `name` is "project.dataset.table" or "dataset.table" (or its parts). */
  addTable(name: string | readonly string[], columns: readonly CatalogColumn[]): void {
    const path = (typeof name === "string" ? [name] : [...name]).flatMap((part) => part.split("."));
    if (path.length === 2 && this.defaultProject) path.unshift(this.defaultProject);
    this.tables.set(path.join(".").toLowerCase(), { path, columns });
    this.cached = undefined;
  }

  has(name: string): boolean {
    const path = name.split(".");
    if (path.length === 2 && this.defaultProject) path.unshift(this.defaultProject);
    return this.tables.has(path.join(".").toLowerCase());
  }

  columns(name: string): readonly CatalogColumn[] | undefined {
    const path = name.split(".");
    if (path.length === 2 && this.defaultProject) path.unshift(this.defaultProject);
    return this.tables.get(path.join(".").toLowerCase())?.columns;
  }

  toProto(languageOptions: LanguageOptionsProto): SimpleCatalogProto {
    if (this.cached && this.cachedFor === languageOptions) return this.cached;
    type Node = { tables: Map<string, readonly CatalogColumn[]>; children: Map<string, Node> };
    const newNode = (): Node => ({ tables: new Map(), children: new Map() });
    const root = newNode();
    const place = (path: readonly string[], columns: readonly CatalogColumn[]) => {
      let node = root;
      for (const part of path.slice(0, -1)) {
        let child = node.children.get(part);
        if (!child) node.children.set(part, (child = newNode()));
        node = child;
      }
      node.tables.set(path[path.length - 1], columns);
    };
    for (const { path, columns } of this.tables.values()) {
      root.tables.set(path.join("."), columns);
      place(path, columns);
      if (path.length === 3 && path[0] === this.defaultProject) {
        root.tables.set(path.slice(1).join("."), columns);
        place(path.slice(1), columns);
      }
    }
    const toProto = (name: string, node: Node): SimpleCatalogProto => ({
      name,
      table: [...node.tables].map(([table, columns]) => ({ name: table, column: columns.map((c) => ({ name: c.name, type: c.type })) })),
      catalog: [...node.children].map(([child, sub]) => toProto(child, sub)),
    });
    this.cached = { ...toProto("gp2gp", root), builtinFunctionOptions: { languageOptions } };
    this.cachedFor = languageOptions;
    return this.cached;
  }
}

/** The analyzer type of a BigQuery type name used in includes/raw_schemas.ts. */
export function typeOf(type: SqlType): TypeProto {
  switch (type) {
    case "STRING":
      return { typeKind: "TYPE_STRING" };
    case "INT64":
      return { typeKind: "TYPE_INT64" };
    case "FLOAT64":
      return { typeKind: "TYPE_DOUBLE" };
    case "BOOL":
      return { typeKind: "TYPE_BOOL" };
    case "DATE":
      return { typeKind: "TYPE_DATE" };
    case "TIMESTAMP":
      return { typeKind: "TYPE_TIMESTAMP" };
    case "NUMERIC":
      return { typeKind: "TYPE_NUMERIC" };
    case "ARRAY<INT64>":
      return { typeKind: "TYPE_ARRAY", arrayType: { elementType: { typeKind: "TYPE_INT64" } } };
    case "ARRAY<STRING>":
      return { typeKind: "TYPE_ARRAY", arrayType: { elementType: { typeKind: "TYPE_STRING" } } };
  }
}

/** A catalog holding the raw tables under `project.rawDataset`. */
export function rawCatalog(project: string | undefined, rawDataset: string, tables: readonly RawTable[] = RAW_TABLES): Catalog {
  const catalog = new Catalog(project);
  for (const table of tables) catalog.addTable([rawDataset, table.name], rawColumns(table));
  return catalog;
}

export interface AnalyzeGraphOptions {
  /** A running analyzer to use; without one, a server is started and stopped for this call. */
  readonly analyzer?: ZetaSqlAnalyzer;
  /** Schemas of the declared sources (default: includes/raw_schemas.ts). */
  readonly rawTables?: readonly RawTable[];
}

/**
 * Analyses every statement the BigQuery executor would run for every action of `graph` (compiled for engine
 * bigquery), in dependency order, and returns one finding per statement; failed ones carry `error`. An action
 * that depends on one that failed is reported as not analysable rather than with follow-on "table not found" errors.
 */
export async function analyzeGraph(graph: CompiledGraph, options: AnalyzeGraphOptions = {}): Promise<Finding[]> {
  const analyzer = options.analyzer ?? (await ZetaSqlAnalyzer.start());
  try {
    return await new GraphAnalysis(graph, analyzer, options.rawTables ?? RAW_TABLES).run();
  } finally {
    if (!options.analyzer) await analyzer.close();
  }
}

class GraphAnalysis {
  private readonly findings: Finding[] = [];
  private readonly failed = new Map<string, string>();
  private readonly catalog: Catalog;

  constructor(
    private readonly graph: CompiledGraph,
    private readonly analyzer: ZetaSqlAnalyzer,
    private readonly rawTables: readonly RawTable[],
  ) {
    const vars = graph.projectConfig.vars ?? {};
    this.catalog = rawCatalog(graph.projectConfig.defaultDatabase, vars.raw_dataset ?? "gp2gp_raw", rawTables);
  }

  async run(): Promise<Finding[]> {
    const ordered = orderActions(buildActions(this.graph));
    // Unit tests have no dependencies in the graph but read the models' outputs: analyse them last.
    const actions = [...ordered.filter((a) => a.kind !== "test"), ...ordered.filter((a) => a.kind === "test")];
    for (const action of actions) {
      const blockedBy = action.dependencies.find((d) => this.failed.has(d));
      if (blockedBy) {
        this.fail(action, "dependencies", "", `${NOT_ANALYSED}: depends on ${blockedBy}, which ${this.failed.get(blockedBy)}`);
        continue;
      }
      try {
        await this.analyseAction(action);
      } catch (error) {
        this.fail(action, "plan", "", (error as Error).message);
      }
    }
    return this.findings;
  }

  private async analyseAction(action: Action): Promise<void> {
    switch (action.kind) {
      case "declaration":
        return this.declare(action);
      case "table":
      case "view":
      case "incremental":
        return this.analyseTable(action, action.compiled, action.kind);
      case "operation": {
        for (const [index, query] of action.compiled.queries.entries()) {
          if (isBlankSql(query)) continue;
          // A table or view an operation creates (e.g. with hasOutput) is visible to its later statements and
          // downstream actions.
          const register = (result: StatementAnalysis) => {
            if (result.created && result.columns) this.catalog.addTable(result.created, result.columns);
          };
          const results = await this.analyzer.analyzeScript(query, this.catalog, register);
          for (const result of results) this.record(action, `operation query ${index + 1}`, result);
        }
        return;
      }
      case "assertion": {
        await this.analyseOne(action, "assertion view", assertionViewStatement(action.compiled));
        await this.analyseOne(action, "assertion count", assertionCountQuery(action.compiled.query));
        return;
      }
      case "test": {
        const actual = await this.analyseOne(action, "test query", action.compiled.testQuery);
        const expected = await this.analyseOne(action, "expected output", action.compiled.expectedOutputQuery);
        if (actual?.columns && expected?.columns) {
          const a = actual.columns.map((c) => c.name);
          const e = expected.columns.map((c) => c.name);
          const missing = e.filter((c) => !a.includes(c));
          const extra = a.filter((c) => !e.includes(c));
          if (missing.length > 0 || extra.length > 0) {
            this.fail(
              action,
              "test columns",
              "",
              `the test query's columns differ from the expected output's (compared by name):` +
                `${missing.length ? ` missing ${missing.join(", ")};` : ""}${extra.length ? ` unexpected ${extra.join(", ")};` : ""}`,
            );
          }
        }
        return;
      }
    }
  }

  private declare(action: Action & { kind: "declaration" }): void {
    const full = [action.target.database ?? this.graph.projectConfig.defaultDatabase, action.target.schema, action.target.name].filter(Boolean).join(".");
    if (this.catalog.has(full)) return;
    const raw = this.rawTables.find((t) => t.name === action.target.name);
    if (!raw) {
      this.fail(action, "declaration", "", `declared source ${full} has no schema in includes/raw_schemas.ts, so queries that read it cannot be type-checked`);
      return;
    }
    this.catalog.addTable(full, rawColumns(raw));
  }

  private async analyseTable(action: Action, table: CompiledTable, kind: TableKind): Promise<void> {
    // First build (also what a table or view always does): pre-ops, CREATE … AS, post-ops, column descriptions.
    const first = planTableBuild(table, kind, { fullRefresh: false });
    const name = [action.target.database ?? this.graph.projectConfig.defaultDatabase, action.target.schema, action.target.name].filter(Boolean).join(".");
    let columns: readonly CatalogColumn[] | undefined;
    for (const statement of first.statements) {
      const result = await this.analyseOne(action, statement.purpose, statement.sql);
      if (statement.purpose === "create") {
        if (result?.error || !result?.columns) {
          this.failed.set(action.name, "failed analysis");
          return;
        }
        columns = result.columns;
        this.catalog.addTable(name, columns);
        for (const problem of storageProblems(table, kind, columns)) this.fail(action, "partitioning and clustering", statement.sql, problem);
        for (const problem of descriptionProblems(table)) this.fail(action, "descriptions", "", problem);
      }
    }
    if (kind !== "incremental" || !columns) return;

    // Later runs: the incremental query on its own (for a precise message), then the MERGE or INSERT built with the
    // columns of the table the first build creates, with the incremental pre- and post-operations around it.
    const query = await this.analyseOne(action, "incremental query", incrementalQuery(table));
    if (query?.error) return;
    const later = planTableBuild(table, kind, { fullRefresh: false, existing: { type: "TABLE", columns: columns.map((c) => c.name) } });
    for (const statement of later.statements) {
      if (statement.purpose === "column-descriptions") continue; // identical to the first build's
      await this.analyseOne(action, statement.purpose === "pre-op" || statement.purpose === "post-op" ? `incremental ${statement.purpose}` : statement.purpose, statement.sql);
    }
  }

  private async analyseOne(action: Action, purpose: string, sql: string): Promise<StatementAnalysis | undefined> {
    const result = await this.analyzer.analyze(sql, this.catalog);
    this.record(action, purpose, { ...result, sql });
    return result;
  }

  private record(action: Action, purpose: string, result: StatementAnalysis): void {
    this.findings.push({ action: action.name, fileName: action.fileName, purpose, statement: result.sql, error: result.error });
    if (result.error && !this.failed.has(action.name)) this.failed.set(action.name, "failed analysis");
  }

  private fail(action: Action, purpose: string, statement: string, error: string): void {
    this.findings.push({ action: action.name, fileName: action.fileName, purpose, statement, error });
    if (!this.failed.has(action.name)) this.failed.set(action.name, error.startsWith(NOT_ANALYSED) ? "was not analysed" : "failed analysis");
  }
}

/** Type kinds (TypeProto.typeKind as the analyzer reports them) that the BigQuery rules below refer to. */
const KIND = { INT64: 2, BOOL: 5, STRING: 8, BYTES: 9, DATE: 10, TIMESTAMP: 19, DATETIME: 21, GEOGRAPHY: 22, NUMERIC: 23, BIGNUMERIC: 24, RANGE: 29 } as const;
const CLUSTERABLE = new Set<number>([KIND.INT64, KIND.BOOL, KIND.STRING, KIND.DATE, KIND.TIMESTAMP, KIND.DATETIME, KIND.GEOGRAPHY, KIND.NUMERIC, KIND.BIGNUMERIC, KIND.RANGE]);
const MAX_CLUSTERING_COLUMNS = 4;

/**
 * BigQuery's rules for PARTITION BY and CLUSTER BY that ZetaSQL does not enforce (it resolves the expressions but
 * accepts any partition expression, array clustering columns and more than four): the partition expression must be a
 * DATE column, DATE() of a TIMESTAMP or DATETIME column, {TIMESTAMP,DATETIME,DATE}_TRUNC to a supported part, or
 * RANGE_BUCKET of an INT64 column; at most four clustering columns, each a top-level column of a clusterable type.
 */
export function storageProblems(table: CompiledTable, kind: TableKind, columns: readonly CatalogColumn[]): string[] {
  const bigquery = (table.bigquery ?? {}) as { partitionBy?: string; clusterBy?: string[] };
  if (kind === "view" && (table as { materialized?: boolean }).materialized !== true) return [];
  const problems: string[] = [];
  const typeOfColumn = (name: string) => columns.find((c) => c.name.toLowerCase() === name.replace(/`/g, "").toLowerCase())?.type;
  const kindOf = (name: string) => Number(typeOfColumn(name)?.typeKind);
  const ident = "(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)";
  const partition = bigquery.partitionBy?.trim();
  if (partition && !/^_PARTITION(DATE|TIME)\b|\(_PARTITIONTIME\b/i.test(partition)) {
    const forms: [RegExp, readonly number[], string][] = [
      [new RegExp(`^${ident}$`), [KIND.DATE], "a DATE column"],
      [new RegExp(`^DATE\\s*\\(\\s*${ident}\\s*\\)$`, "i"), [KIND.TIMESTAMP, KIND.DATETIME], "DATE() of a TIMESTAMP or DATETIME column"],
      [new RegExp(`^TIMESTAMP_TRUNC\\s*\\(\\s*${ident}\\s*,\\s*(DAY|HOUR|MONTH|YEAR)\\s*\\)$`, "i"), [KIND.TIMESTAMP], "TIMESTAMP_TRUNC() of a TIMESTAMP column"],
      [new RegExp(`^DATETIME_TRUNC\\s*\\(\\s*${ident}\\s*,\\s*(DAY|HOUR|MONTH|YEAR)\\s*\\)$`, "i"), [KIND.DATETIME], "DATETIME_TRUNC() of a DATETIME column"],
      [new RegExp(`^DATE_TRUNC\\s*\\(\\s*${ident}\\s*,\\s*(MONTH|YEAR)\\s*\\)$`, "i"), [KIND.DATE], "DATE_TRUNC() of a DATE column to MONTH or YEAR"],
      [new RegExp(`^RANGE_BUCKET\\s*\\(\\s*${ident}\\s*,`, "i"), [KIND.INT64], "RANGE_BUCKET() of an INT64 column"],
    ];
    const form = forms.find(([pattern]) => pattern.test(partition));
    if (!form) {
      problems.push(`partitionBy "${partition}" is not a partitioning BigQuery supports (a DATE column, DATE(ts), TIMESTAMP_TRUNC(ts, DAY|HOUR|MONTH|YEAR), DATE_TRUNC(d, MONTH|YEAR) or RANGE_BUCKET(int, …))`);
    } else {
      const column = form[0].exec(partition)![1];
      if (!form[1].includes(kindOf(column))) problems.push(`partitionBy "${partition}" needs ${form[2]}; ${column} is ${typeName(typeOfColumn(column))}`);
    }
  }
  const cluster = bigquery.clusterBy ?? [];
  if (cluster.length > MAX_CLUSTERING_COLUMNS) problems.push(`clusterBy lists ${cluster.length} columns; BigQuery allows at most ${MAX_CLUSTERING_COLUMNS}`);
  for (const column of cluster) {
    if (!new RegExp(`^${ident}$`).test(column.trim())) problems.push(`clusterBy "${column}" is not a top-level column name`);
    else if (!CLUSTERABLE.has(kindOf(column.trim()))) problems.push(`clusterBy column ${column} is ${typeName(typeOfColumn(column.trim()))}, which BigQuery cannot cluster on`);
  }
  return problems;
}

/** BigQuery's limits on descriptions (characters): longer ones make the CREATE or ALTER statement fail. */
const MAX_TABLE_DESCRIPTION = 16_384;
const MAX_COLUMN_DESCRIPTION = 1_024;

export function descriptionProblems(table: CompiledTable): string[] {
  const problems: string[] = [];
  const description = table.actionDescriptor?.description ?? "";
  if (description.length > MAX_TABLE_DESCRIPTION) problems.push(`the description has ${description.length} characters; BigQuery allows ${MAX_TABLE_DESCRIPTION}`);
  for (const column of table.actionDescriptor?.columns ?? []) {
    const length = column.description?.length ?? 0;
    if (length > MAX_COLUMN_DESCRIPTION) problems.push(`the description of column ${column.path.join(".")} has ${length} characters; BigQuery allows ${MAX_COLUMN_DESCRIPTION}`);
  }
  return problems;
}

function typeName(type: TypeProto | undefined): string {
  if (!type) return "not an output column";
  const names: Record<number, string> = { 2: "INT64", 5: "BOOL", 7: "FLOAT64", 8: "STRING", 9: "BYTES", 10: "DATE", 16: "an ARRAY", 17: "a STRUCT", 19: "TIMESTAMP", 20: "TIME", 21: "DATETIME", 22: "GEOGRAPHY", 23: "NUMERIC", 24: "BIGNUMERIC", 26: "JSON", 27: "INTERVAL", 29: "RANGE" };
  return names[Number(type.typeKind)] ?? `type ${String(type.typeKind)}`;
}

function rawColumns(table: RawTable): CatalogColumn[] {
  return table.columns.map((c) => ({ name: c.name, type: typeOf(c.type) }));
}

/** The bundled server binary for this platform, named as the package's runServer() names it. */
function serverBinary(): string {
  const lib = path.dirname(require.resolve("@fivetrandevelopers/zetasql"));
  const suffix = (process.arch.startsWith("arm") ? "_arm" : "") + (process.platform === "darwin" ? "" : ".so");
  return path.join(lib, "zetasql", `remote_server${suffix}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/**
 * A tiny shell process that kills the server when this process goes away without closing it (a killed test worker,
 * a crash): it blocks reading its stdin, a pipe from this process, which the kernel closes when this process dies.
 */
function startWatchdog(serverPid: number): ChildProcess | undefined {
  try {
    const watchdog = spawn("/bin/sh", ["-c", `cat > /dev/null; kill -9 ${serverPid} 2>/dev/null`], { stdio: ["pipe", "ignore", "ignore"] });
    watchdog.on("error", () => undefined); // no shell: the exit handler and close() still stop the server
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  } catch {
    return undefined;
  }
}

async function waitForPort(port: number, deadline: number, binary: string): Promise<void> {
  const started = Date.now();
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The ZetaSQL analyzer (${binary}) did not listen on port ${port} within ${Date.now() - started} ms`);
}

async function waitUntilServing(client: ReturnType<ZetaSqlModule["ZetaSQLClient"]["getInstance"]>, deadline: number, binary: string): Promise<void> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await withTimeout(client.formatSql({ sql: "SELECT 1" }), Math.max(1, Math.min(2_000, deadline - Date.now())), "ZetaSQL ping");
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`The ZetaSQL analyzer (${binary}) did not answer within ${Date.now() - started} ms${last ? `: ${(last as Error).message}` : ""}`);
}

function closeClient(zetasql: ZetaSqlModule): void {
  try {
    (zetasql.ZetaSQLClient as unknown as { API?: { close?: () => void } }).API?.close?.();
  } catch {
    // already closed
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The analyzer's one-line message plus the source line it points at ("[at line:column]"). */
function describeError(error: unknown, sql: string): string {
  const message = String((error as { details?: string }).details || (error as Error).message || error);
  const at = /\[at (\d+):(\d+)\]/.exec(message);
  if (!at) return message;
  const line = sql.split("\n")[Number(at[1]) - 1];
  if (line === undefined) return message;
  const column = Number(at[2]);
  const start = Math.max(0, column - 80);
  const excerpt = `${start > 0 ? "…" : ""}${line.slice(start, column + 80).trim()}`;
  return `${message}\n    ${excerpt}`;
}

/** Depth-first search for the first value under `key` in an analyzer response. */
function findKey(node: unknown, key: string): unknown {
  if (!node || typeof node !== "object") return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findKey(item, key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  if (key in record && record[key] !== null && record[key] !== undefined) return record[key];
  for (const [name, value] of Object.entries(record)) {
    // The statement's own lists sit beside its query (or in `parent`, the proto's base-class fields); the query
    // tree below is not searched.
    if (name === "query") continue;
    const found = findKey(value, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function outputColumns(resolved: unknown): CatalogColumn[] | undefined {
  const outputs = findKey(resolved, "outputColumnList") as { name: string; column?: { type?: unknown } }[] | undefined;
  if (Array.isArray(outputs) && outputs.length > 0) return outputs.map((c) => ({ name: c.name, type: cleanType(c.column?.type) }));
  // CREATE TABLE t (a INT64, …) without a query lists column definitions instead.
  const definitions = findKey(resolved, "columnDefinitionList") as { name: string; type?: unknown }[] | undefined;
  if (Array.isArray(definitions) && definitions.length > 0) return definitions.map((c) => ({ name: c.name, type: cleanType(c.type) }));
  return undefined;
}

function createdName(resolved: unknown): string[] | undefined {
  if (!resolved || typeof resolved !== "object" || !("resolvedCreateStatementNode" in resolved)) return undefined;
  const namePath = findKey(resolved, "namePath");
  return Array.isArray(namePath) && namePath.length > 0 ? (namePath as string[]) : undefined;
}

/** A type from an analyzer response, reduced to what a catalog column needs (responses carry defaults and nulls). */
function cleanType(type: unknown): TypeProto {
  const t = (type ?? {}) as {
    typeKind?: TypeProto["typeKind"];
    arrayType?: { elementType?: unknown } | null;
    structType?: { field?: { fieldName?: string; fieldType?: unknown }[] } | null;
    rangeType?: { elementType?: unknown } | null;
  };
  const out: TypeProto = { typeKind: t.typeKind };
  if (t.arrayType) out.arrayType = { elementType: cleanType(t.arrayType.elementType) };
  if (t.structType) out.structType = { field: (t.structType.field ?? []).map((f) => ({ fieldName: f.fieldName, fieldType: cleanType(f.fieldType) })) };
  if (t.rangeType) out.rangeType = { elementType: cleanType(t.rangeType.elementType) };
  return out;
}
