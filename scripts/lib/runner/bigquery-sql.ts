/**
 * The BigQuery statements for one compiled Dataform action, as pure functions of the compiled graph (and, for an
 * incremental table, of what already exists). They follow what `dataform run` executes on BigQuery (the CLI's
 * ExecutionSql), with three deliberate differences:
 *
 * - The table description and labels go into the DDL's OPTIONS, and column descriptions into one ALTER statement,
 *   instead of the separate metadata API calls Dataform makes; the whole build is then plain SQL that the ZetaSQL
 *   conformance test can analyse.
 * - A protected incremental table refuses a full refresh with an error instead of silently writing incrementally.
 * - Each statement is its own job, not one concatenated script, so every statement reports its own error, bytes
 *   and affected rows. Scripting state (DECLARE, temp tables) therefore does not carry from pre-operations to the
 *   main statement; the models do not use scripting.
 *
 * The executor (bigquery.ts) runs these statements; the conformance test (zetasql.ts) type-checks them.
 */
import { helpersFor } from "../../../includes/engine";
import type { CompiledAssertion, CompiledTable, Target } from "../compile";

/** The relation named by an action's target as it exists before the action runs. */
export interface ExistingRelation {
  readonly type: "TABLE" | "VIEW";
  /** Top-level column names in table order. */
  readonly columns: readonly string[];
}

export type TableKind = "table" | "view" | "incremental";

export type StatementPurpose =
  | "drop"
  | "pre-op"
  | "create"
  | "merge"
  | "insert"
  | "post-op"
  | "column-descriptions";

export interface PlannedStatement {
  readonly purpose: StatementPurpose;
  readonly sql: string;
}

export interface TablePlan {
  /** create: the relation is (re)built from `query`; merge/insert: new rows are written into the existing table. */
  readonly mode: "create" | "merge" | "insert";
  readonly statements: readonly PlannedStatement[];
}

export interface PlanOptions {
  readonly fullRefresh: boolean;
  readonly existing?: ExistingRelation;
}

/** Aliases of the MERGE target and source, named as Dataform names them so that `incrementalPredicates` written
 * for Dataform (which refer to DATAFORM_DEST / DATAFORM_SOURCE) keep working. Identifiers are case-insensitive in
 * BigQuery, so short aliases like T or S would hide a column t or s; these cannot clash with the project's columns. */
export const MERGE_TARGET_ALIAS = "DATAFORM_DEST";
export const MERGE_SOURCE_ALIAS = "DATAFORM_SOURCE";

export class ProtectedTableError extends Error {}
export class UnsupportedConfigError extends Error {}

/** A BigQuery quoted identifier (one path component): the engine include's quoting. */
export const quoteIdentifier = (name: string): string => helpersFor("bigquery").identifier(name);

/**
 * `project.dataset.table` in one pair of backticks, the form Dataform's `ref()` and `self()` compile to (and the
 * form the ZetaSQL catalog registers).
 */
export function tableReference(target: Target, defaultProject?: string): string {
  const project = target.database ?? defaultProject;
  const parts = project ? [project, target.schema, target.name] : [target.schema, target.name];
  return quoteIdentifier(parts.join("."));
}

/** A BigQuery string literal (the engine include's, the one escaper for BigQuery). */
export const stringLiteral = (value: string): string => helpersFor("bigquery").stringLiteral(value);

/**
 * True when `sql` holds no statement: only whitespace, comments and semicolons. A SQLX block such as
 * `pre_operations { ${when(incremental(), `…`)} }` compiles to exactly that, and BigQuery rejects an empty query.
 */
export function isBlankSql(sql: string): boolean {
  return stripComments(sql).replace(/;/g, "").trim() === "";
}

/** `sql` without comments; string literals and quoted identifiers are kept as they are. */
export function stripComments(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      i = skipToLineEnd(sql, i);
    } else if (c === "#") {
      i = skipToLineEnd(sql, i);
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += " ";
    } else if (c === "'" || c === '"' || c === "`") {
      const end = skipQuoted(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function skipToLineEnd(sql: string, from: number): number {
  const end = sql.indexOf("\n", from);
  return end < 0 ? sql.length : end;
}

/** The index after the quoted literal or identifier starting at `from` (triple-quoted strings included). */
function skipQuoted(sql: string, from: number): number {
  const quote = sql[from];
  const triple = quote !== "`" && sql.startsWith(quote.repeat(3), from);
  const closing = triple ? quote.repeat(3) : quote;
  let i = from + closing.length;
  while (i < sql.length) {
    if (sql[i] === "\\") {
      i += 2;
      continue;
    }
    if (sql.startsWith(closing, i)) return i + closing.length;
    if (!triple && sql[i] === "\n" && quote !== "`") return i; // unterminated: stop at the line end
    i += 1;
  }
  return sql.length;
}

/** A query as the body of a subquery or AS clause: trailing semicolons removed (a `;` inside `( … )` is an error). */
export function queryBody(query: string): string {
  return query.replace(/[\s;]+$/, "");
}

/** OPTIONS(…) entries of a table or view, in Dataform's order, plus the description and labels. */
export function relationOptions(table: CompiledTable, kind: TableKind): string[] {
  const bigquery = bigqueryConfig(table);
  const options: string[] = [];
  const description = table.actionDescriptor?.description;
  if (description) options.push(`description=${stringLiteral(description)}`);
  const labels = Object.entries(bigquery.labels ?? {});
  if (labels.length > 0) {
    options.push(`labels=[${labels.map(([key, value]) => `(${stringLiteral(key)}, ${stringLiteral(String(value))})`).join(", ")}]`);
  }
  if (hasStorage(table, kind) && bigquery.partitionBy) {
    if (bigquery.partitionExpirationDays) options.push(`partition_expiration_days=${Number(bigquery.partitionExpirationDays)}`);
    if (bigquery.requirePartitionFilter) options.push(`require_partition_filter=true`);
  }
  // Raw option text, exactly as Dataform passes it (values are SQL expressions, e.g. "\"friendly\"").
  for (const [name, value] of Object.entries(bigquery.additionalOptions ?? {})) options.push(`${name}=${value}`);
  return options;
}

/** `CREATE OR REPLACE TABLE|VIEW|MATERIALIZED VIEW … AS <query>` for a table, view or an incremental's first build. */
export function createStatement(table: CompiledTable, kind: TableKind): string {
  const bigquery = bigqueryConfig(table);
  const materialized = kind === "view" && isMaterialized(table);
  const objectType = kind === "view" ? (materialized ? "materialized view" : "view") : "table";
  const lines = [`create or replace ${objectType} ${tableReference(table.target)}`];
  if (hasStorage(table, kind)) {
    if (bigquery.partitionBy) lines.push(`partition by ${bigquery.partitionBy}`);
    if (bigquery.clusterBy && bigquery.clusterBy.length > 0) lines.push(`cluster by ${bigquery.clusterBy.join(", ")}`);
  }
  const options = relationOptions(table, kind);
  if (options.length > 0) lines.push(`options(\n  ${options.join(",\n  ")}\n)`);
  lines.push(`as\n${queryBody(table.query)}`);
  return lines.join("\n");
}

/** The query whose rows an incremental run adds (`incrementalQuery`, which Dataform always compiles for incrementals). */
export function incrementalQuery(table: CompiledTable): string {
  return queryBody(table.incrementalQuery ?? table.query);
}

/**
 * MERGE of the incremental query into the existing table on `uniqueKey`: matched rows are updated in place, new
 * keys inserted. `columns` are the existing table's columns (from INFORMATION_SCHEMA or a dry run at run time).
 * As in Dataform, a NULL key never matches, so rows with a NULL key are always inserted.
 */
export function mergeStatement(table: CompiledTable, columns: readonly string[]): string {
  const keys = table.uniqueKey ?? [];
  if (keys.length === 0) throw new Error(`${tableReference(table.target)}: a MERGE needs a uniqueKey`);
  requireColumns(table, columns);
  const bigquery = bigqueryConfig(table);
  const target = MERGE_TARGET_ALIAS;
  const source = MERGE_SOURCE_ALIAS;
  const conditions = keys.map((key) => `${target}.${quoteIdentifier(key)} = ${source}.${quoteIdentifier(key)}`);
  // Dataform prefixes the update partition filter with the target alias: the filter names a target column.
  if (bigquery.updatePartitionFilter) conditions.push(`${target}.${bigquery.updatePartitionFilter}`);
  for (const predicate of (bigquery.incrementalPredicates ?? []).filter((p) => p.trim() !== "")) conditions.push(`(${predicate})`);
  const quoted = columns.map(quoteIdentifier);
  return [
    `merge ${tableReference(table.target)} as ${target}`,
    `using (\n${incrementalQuery(table)}\n) as ${source}`,
    `on ${conditions.join("\n  and ")}`,
    `when matched then`,
    `  update set ${quoted.map((c) => `${c} = ${source}.${c}`).join(", ")}`,
    `when not matched then`,
    `  insert (${quoted.join(", ")}) values (${quoted.map((c) => `${source}.${c}`).join(", ")})`,
  ].join("\n");
}

/** INSERT of the incremental query's rows, selecting the existing table's columns by name (as Dataform does). */
export function insertStatement(table: CompiledTable, columns: readonly string[]): string {
  requireColumns(table, columns);
  const quoted = columns.map(quoteIdentifier).join(", ");
  return [
    `insert into ${tableReference(table.target)} (${quoted})`,
    `select ${quoted}`,
    `from (\n${incrementalQuery(table)}\n) as insertions`,
  ].join("\n");
}

/** `ALTER TABLE|VIEW … ALTER COLUMN IF EXISTS c SET OPTIONS(description=…)` for the documented top-level columns. */
export function columnDescriptionsStatement(table: CompiledTable, kind: TableKind): string | undefined {
  if (kind === "view" && isMaterialized(table)) return undefined; // materialized views take no column options
  const columns = (table.actionDescriptor?.columns ?? []).filter((c) => c.path.length === 1 && c.description);
  if (columns.length === 0) return undefined;
  const actions = columns.map((c) => `  alter column if exists ${quoteIdentifier(c.path[0])} set options(description=${stringLiteral(c.description!)})`);
  return `alter ${kind === "view" ? "view" : "table"} ${tableReference(table.target)}\n${actions.join(",\n")}`;
}

export function dropStatement(target: Target, type: "TABLE" | "VIEW"): string {
  return `drop ${type === "VIEW" ? "view" : "table"} if exists ${tableReference(target)}`;
}

/** Creates a dataset (BigQuery "schema") in `location` unless it exists; an existing dataset keeps its location. */
export function createSchemaStatement(project: string, dataset: string, location: string): string {
  return `create schema if not exists ${quoteIdentifier(`${project}.${dataset}`)} options(location=${stringLiteral(location)})`;
}

/**
 * The statements that build a table, view or incremental table, in order. For an incremental table the plan
 * depends on `existing`: no table yet (or a view, or a full refresh) → a first build like a table; otherwise
 * incrementalPreOps, a MERGE (with uniqueKey) or INSERT, incrementalPostOps.
 */
export function planTableBuild(table: CompiledTable, kind: TableKind, options: PlanOptions): TablePlan {
  checkSupported(table, kind);
  const existing = options.existing;
  const statements: PlannedStatement[] = [];
  const name = tableReference(table.target);

  const writesIncrementally = kind === "incremental" && existing?.type === "TABLE" && !options.fullRefresh;
  if (kind === "incremental" && table.protected && existing?.type === "TABLE" && options.fullRefresh) {
    throw new ProtectedTableError(
      `${name} (${table.fileName}) is protected: a full refresh would drop it and rebuild it from the current query, ` +
        `losing rows that cannot be rebuilt. Run without --full-refresh (it is then updated incrementally), or remove ` +
        `"protected: true" from its config, or drop the table by hand, if a rebuild is really meant.`,
    );
  }

  const pre = writesIncrementally ? table.incrementalPreOps : table.preOps;
  const post = writesIncrementally ? table.incrementalPostOps : table.postOps;
  for (const sql of pre ?? []) if (!isBlankSql(sql)) statements.push({ purpose: "pre-op", sql });

  let mode: TablePlan["mode"] = "create";
  if (writesIncrementally) {
    const columns = existing!.columns;
    if ((table.uniqueKey ?? []).length > 0) {
      mode = "merge";
      statements.push({ purpose: "merge", sql: mergeStatement(table, columns) });
    } else {
      mode = "insert";
      statements.push({ purpose: "insert", sql: insertStatement(table, columns) });
    }
  } else {
    // CREATE OR REPLACE cannot turn a view into a table or back: drop the other kind first, as Dataform does.
    const wanted = kind === "view" ? "VIEW" : "TABLE";
    if (existing && existing.type !== wanted) statements.push({ purpose: "drop", sql: dropStatement(table.target, existing.type) });
    statements.push({ purpose: "create", sql: createStatement(table, kind) });
  }

  for (const sql of post ?? []) if (!isBlankSql(sql)) statements.push({ purpose: "post-op", sql });
  const descriptions = columnDescriptionsStatement(table, kind);
  if (descriptions) statements.push({ purpose: "column-descriptions", sql: descriptions });
  return { mode, statements };
}

/** The view Dataform keeps for an assertion, so that its failing rows can be queried after the run. */
export function assertionViewStatement(assertion: CompiledAssertion): string {
  return `create or replace view ${tableReference(assertion.target)} as\n${queryBody(assertion.query)}`;
}

/** The number of rows an assertion query returns (its failing rows), computed over the query itself so that it also
 * works in a dry run, where the assertion view is not created. */
export function assertionCountQuery(query: string): string {
  return `select count(*) as failing_rows from (\n${queryBody(query)}\n) as assertion_rows`;
}

export function assertionSampleQuery(query: string, limit: number): string {
  return `select * from (\n${queryBody(query)}\n) as assertion_rows limit ${limit}`;
}

/** A query that fails with "Not found" when the relation does not exist; dry-run it to check a source for free. */
export function existenceCheckQuery(target: Target): string {
  return `select * from ${tableReference(target)}`;
}

/** Type and columns of a relation from INFORMATION_SCHEMA (parameter @table_name); no row when it does not exist. */
export function describeQuery(target: Target): string {
  const dataset = `${target.database ? `${target.database}.` : ""}${target.schema}`;
  return [
    `select`,
    `  tables.table_type,`,
    `  array(`,
    `    select columns.column_name from ${quoteIdentifier(`${dataset}.INFORMATION_SCHEMA.COLUMNS`)} as columns`,
    `    where columns.table_name = tables.table_name order by columns.ordinal_position`,
    `  ) as column_names`,
    `from ${quoteIdentifier(`${dataset}.INFORMATION_SCHEMA.TABLES`)} as tables`,
    `where tables.table_name = @table_name`,
  ].join("\n");
}

/** Maps INFORMATION_SCHEMA.TABLES.table_type to the kind of relation CREATE OR REPLACE cares about. */
export function relationType(tableType: string): "TABLE" | "VIEW" {
  return /VIEW/i.test(tableType) ? "VIEW" : "TABLE";
}

interface BigQueryTableConfig {
  partitionBy?: string;
  clusterBy?: string[];
  partitionExpirationDays?: number;
  requirePartitionFilter?: boolean;
  updatePartitionFilter?: string;
  labels?: Record<string, string>;
  additionalOptions?: Record<string, string>;
  incrementalPredicates?: string[];
}

function bigqueryConfig(table: CompiledTable): BigQueryTableConfig {
  return (table.bigquery ?? {}) as BigQueryTableConfig;
}

function isMaterialized(table: CompiledTable): boolean {
  return (table as { materialized?: boolean }).materialized === true;
}

/** Tables, incrementals and materialized views have storage, hence partitioning, clustering and their options. */
function hasStorage(table: CompiledTable, kind: TableKind): boolean {
  return kind !== "view" || isMaterialized(table);
}

function requireColumns(table: CompiledTable, columns: readonly string[]): void {
  if (columns.length === 0) throw new Error(`${tableReference(table.target)}: the existing table's columns are unknown`);
}

/** Dataform features this runner does not implement fail loudly instead of running with other semantics. */
function checkSupported(table: CompiledTable, kind: TableKind): void {
  if (kind !== "incremental") return;
  const extra = table as { onSchemaChange?: string; incrementalStrategy?: string };
  if (extra.onSchemaChange && extra.onSchemaChange !== "IGNORE") {
    throw new UnsupportedConfigError(`${tableReference(table.target)} (${table.fileName}): onSchemaChange ${extra.onSchemaChange} is not supported by this runner; use a full refresh after a schema change`);
  }
  if (extra.incrementalStrategy && !["INCREMENTAL_STRATEGY_UNSPECIFIED", "MERGE"].includes(extra.incrementalStrategy)) {
    throw new UnsupportedConfigError(`${tableReference(table.target)} (${table.fileName}): incrementalStrategy ${extra.incrementalStrategy} is not supported by this runner`);
  }
}
