/**
 * Runs compiled Dataform actions on the embedded DuckDB warehouse.
 *
 * BigQuery names compile to `project.dataset.table`; here each dataset is a schema of the one database file, so
 * every backtick reference is rewritten to "dataset"."table". Tables are built under a temporary name and swapped
 * in within one transaction, so a killed run never leaves a half-built table; an incremental update (pre-ops,
 * MERGE on the unique key or INSERT, post-ops) is one transaction too.
 */
import { quoteIdent, sqlString, Warehouse } from "../duckdb";
import type { Target } from "../compile";
import { AssertionRecord, assertionResultsStatements, assertionResultsTable } from "./assertion-results";
import { compareResults } from "./compare";
import type { Action, ActionResult, AssertionResult, ExecuteOptions, Executor, Row, TestResult } from "./types";

export const BUILD_PREFIX = "__gp2gp_build_";
const SAMPLE_SIZE = 10;

/**
 * Turns SQL compiled for Dataform into DuckDB's spelling: `database.schema.name` (or `schema.name`) references become
 * "schema"."name", and the backslash-escaped quotes that Dataform writes in its own generated SQL (built-in
 * assertion labels) become doubled quotes.
 */
export function rewriteNames(sql: string): string {
  return sql.replace(/\\'/g, "''").replace(/`([^`\n]+)`/g, (whole, inner: string) => {
    const parts = inner.split(".");
    if (parts.length < 2 || parts.length > 3) return quoteIdent(inner);
    return parts.slice(-2).map(quoteIdent).join(".");
  });
}

export function relationName(target: Target): string {
  return `${quoteIdent(target.schema)}.${quoteIdent(target.name)}`;
}

type BuildAction = Action & { kind: "table" | "view" | "incremental" };

export class DuckDBExecutor implements Executor {
  readonly engine = "duckdb" as const;
  readonly assertionResultsTable: Target;

  /** `marts`: the marts dataset of the project context, where the run's assertion results are recorded. */
  constructor(
    private readonly warehouse: Warehouse,
    marts: string,
  ) {
    this.assertionResultsTable = assertionResultsTable(marts);
  }

  async prepare(actions: readonly Action[]): Promise<void> {
    const schemas = new Set(actions.filter((a) => a.kind !== "test").map((a) => a.target.schema));
    for (const schema of schemas) await this.warehouse.run(`create schema if not exists ${quoteIdent(schema)}`);
    // A run killed while building leaves its half-built table under the temporary name: drop those.
    const leftovers = await this.warehouse.rows<{ table_schema: string; table_name: string }>(
      `select table_schema, table_name from information_schema.tables where table_name like '${BUILD_PREFIX}%'`,
    );
    for (const t of leftovers) await this.warehouse.run(`drop table if exists ${quoteIdent(t.table_schema)}.${quoteIdent(t.table_name)}`);
  }

  async checkDeclaration(action: Action & { kind: "declaration" }): Promise<void> {
    if (!(await this.relationType(action.target))) {
      throw new Error(
        `Declared source ${action.target.schema}.${action.target.name} does not exist in ${this.warehouse.path}. ` +
          `Load data first (gp2gp load …) or run \`npm start\` for the demo data.`,
      );
    }
  }

  async build(action: BuildAction, options: ExecuteOptions): Promise<ActionResult> {
    const table = action.compiled;
    const existing = await this.relationType(action.target);
    if (action.kind === "view") {
      await this.warehouse.transaction(async () => {
        await this.runAll(table.preOps);
        if (existing === "BASE TABLE") await this.warehouse.run(`drop table ${relationName(action.target)}`);
        await this.warehouse.run(`create or replace view ${relationName(action.target)} as ${rewriteNames(table.query)}`);
        await this.runAll(table.postOps);
      });
      return { detail: "view" };
    }
    if (action.kind === "incremental" && existing === "BASE TABLE" && !options.fullRefresh) {
      return this.updateIncremental(action);
    }
    if (action.kind === "incremental" && existing && options.fullRefresh && table.protected) {
      throw new Error(`${action.name} is protected: it refuses a full refresh (its history cannot be rebuilt from sources).`);
    }
    await this.replaceTable(action, table.query, table.preOps, table.postOps);
    return { rows: await this.count(action.target), detail: action.kind === "incremental" ? (existing ? "full refresh" : "first build") : undefined };
  }

  /** Builds `query` under a temporary name, then swaps it in for the target in one transaction. */
  private async replaceTable(action: BuildAction, query: string, preOps?: string[], postOps?: string[]): Promise<void> {
    const temporary = { schema: action.target.schema, name: `${BUILD_PREFIX}${action.target.name}` };
    await this.runAll(preOps);
    await this.warehouse.run(`drop table if exists ${relationName(temporary)}`);
    await this.warehouse.run(`create table ${relationName(temporary)} as ${rewriteNames(query)}`);
    await this.warehouse.transaction(async () => {
      const existing = await this.relationType(action.target);
      if (existing === "VIEW") await this.warehouse.run(`drop view ${relationName(action.target)}`);
      if (existing === "BASE TABLE") await this.warehouse.run(`drop table ${relationName(action.target)}`);
      await this.warehouse.run(`alter table ${relationName(temporary)} rename to ${quoteIdent(action.target.name)}`);
      await this.runAll(postOps);
    });
  }

  private async updateIncremental(action: BuildAction): Promise<ActionResult> {
    const table = action.compiled;
    const target = relationName(action.target);
    const before = await this.count(action.target);
    const staged = quoteIdent(`${BUILD_PREFIX}increment`);
    let changed = 0;
    await this.warehouse.transaction(async () => {
      await this.runAll(table.incrementalPreOps);
      await this.warehouse.run(`create or replace temp table ${staged} as ${rewriteNames(table.incrementalQuery ?? table.query)}`);
      await this.sameColumns(action, staged, target);
      changed = await this.warehouse.scalar<number>(`select count(*) from ${staged}`);
      const keys = table.uniqueKey ?? [];
      if (keys.length > 0) {
        const on = keys.map((k) => `gp2gp_target.${quoteIdent(k)} = gp2gp_source.${quoteIdent(k)}`).join(" and ");
        await this.warehouse.run(
          `merge into ${target} as gp2gp_target using ${staged} as gp2gp_source on ${on} ` +
            `when matched then update when not matched then insert`,
        );
      } else {
        await this.warehouse.run(`insert into ${target} by name select * from ${staged}`);
      }
      await this.warehouse.run(`drop table ${staged}`);
      await this.runAll(table.incrementalPostOps);
    });
    const after = await this.count(action.target);
    return { rows: after, detail: `incremental: ${changed} rows merged (${after - before >= 0 ? "+" : ""}${after - before})` };
  }

  /**
   * An incremental update appends the query's rows to the table built earlier: when the model's columns have changed
   * since (a new version of the project), stop with what changed and how to rebuild, rather than DuckDB's binder error.
   */
  private async sameColumns(action: BuildAction, staged: string, target: string): Promise<void> {
    const columns = async (relation: string) => (await this.warehouse.rows<{ column_name: string }>(`describe ${relation}`)).map((c) => c.column_name);
    const [query, table] = await Promise.all([columns(staged), columns(target)]);
    const added = query.filter((c) => !table.includes(c));
    const gone = table.filter((c) => !query.includes(c));
    if (added.length === 0 && gone.length === 0) return;
    const changes = [added.length ? `new: ${added.join(", ")}` : "", gone.length ? `no longer built: ${gone.join(", ")}` : ""].filter(Boolean).join("; ");
    throw new Error(
      `${action.name}: the model's columns have changed since the table was built (${changes}). ` +
        `Rebuild it, and what is built from it, with \`gp2gp run --full-refresh --actions ${action.name} --include-dependents\`.`,
    );
  }

  async runOperation(action: Action & { kind: "operation" }): Promise<ActionResult> {
    await this.warehouse.transaction(() => this.runAll(action.compiled.queries));
    if (action.compiled.hasOutput && (await this.relationType(action.target))) return { rows: await this.count(action.target) };
    return {};
  }

  async runAssertion(action: Action & { kind: "assertion" }): Promise<AssertionResult> {
    const query = rewriteNames(action.compiled.query);
    // Kept as a view, as Dataform does, so that failing rows can be inspected after the run.
    await this.warehouse.run(`create or replace view ${relationName(action.target)} as ${query}`);
    const failingRows = await this.warehouse.scalar<number>(`select count(*) from (${query}) as assertion_rows`);
    const sample = failingRows > 0 ? await this.warehouse.rows(`select * from (${query}) as assertion_rows limit ${SAMPLE_SIZE}`) : [];
    return { rows: failingRows, failingRows, sample };
  }

  async runTest(action: Action & { kind: "test" }): Promise<TestResult> {
    const actual = await this.warehouse.rows(rewriteNames(action.compiled.testQuery));
    const expected = await this.warehouse.rows(rewriteNames(action.compiled.expectedOutputQuery));
    const comparison = compareResults(actual as Row[], expected as Row[]);
    return { passed: comparison.passed, message: comparison.message, rows: actual.length };
  }

  async prepareAssertionResults(): Promise<void> {
    await ensureAssertionResultsTable(this.warehouse, this.assertionResultsTable.schema);
  }

  async recordAssertionResults(records: readonly AssertionRecord[]): Promise<void> {
    const { insert, prune } = assertionResultsStatements("duckdb", relationName(this.assertionResultsTable), records);
    await this.warehouse.transaction(async () => {
      if (insert) await this.warehouse.run(insert);
      await this.warehouse.run(prune);
    });
  }

  /** Current progress of the running query, 0-100, or undefined when DuckDB does not know. */
  progress(): number | undefined {
    const p = this.warehouse.connection.progress;
    return p && p.percentage >= 0 ? p.percentage : undefined;
  }

  async close(): Promise<void> {
    this.warehouse.close();
  }

  private async runAll(statements?: readonly string[]): Promise<void> {
    for (const statement of statements ?? []) {
      if (statement.trim()) await this.warehouse.run(rewriteNames(statement));
    }
  }

  private async relationType(target: Target): Promise<"BASE TABLE" | "VIEW" | undefined> {
    const rows = await this.warehouse.rows<{ table_type: string }>(
      `select table_type from information_schema.tables where table_schema = ${sqlString(target.schema)} and table_name = ${sqlString(target.name)}`,
    );
    return rows[0]?.table_type as "BASE TABLE" | "VIEW" | undefined;
  }

  private count(target: Target): Promise<number> {
    return this.warehouse.scalar<number>(`select count(*) from ${relationName(target)}`);
  }
}

/** Creates the assertion results table of the marts dataset `marts` (and the schema) in `warehouse` when it does not exist. */
export async function ensureAssertionResultsTable(warehouse: Warehouse, marts: string): Promise<void> {
  const table = assertionResultsTable(marts);
  const { create } = assertionResultsStatements("duckdb", relationName(table), []);
  await warehouse.run(`create schema if not exists ${quoteIdent(table.schema)}`);
  await warehouse.run(create);
}

/** Opens the warehouse file `database`, creates the assertion results table of `marts` when it is missing, and closes it. */
export async function withAssertionResultsTable(database: string, marts: string): Promise<void> {
  const warehouse = await Warehouse.open(database);
  try {
    await ensureAssertionResultsTable(warehouse, marts);
  } finally {
    warehouse.close();
  }
}
