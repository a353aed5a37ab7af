/**
 * The built-in checks of the incremental models (Dataform's uniqueKey, nonNull and rowConditions assertions) and
 * how much of a table they read, by the assertion_scope var:
 *
 *   config { type: "incremental", …, assertions: checks.of({ model: "transfers", schema: …, tags: […], scope: checks.CONVERSATIONS }, { uniqueKey: […], … }) }
 *
 * "table" (the default; `dataform run`, managed Dataform, and `gp2gp run --full-refresh` or `--full-checks`): the
 * config is Dataform's own, and its assertions check the whole table. "run" (`gp2gp run` of an incremental run):
 * the same assertions, under the same names, check only the rows the model's latest run wrote: the conversations it
 * refreshed, or the days or months from the first one it computed again (includes/increments.ts). A plain table is
 * rebuilt by every run, so its checks read what the run wrote either way and stay Dataform's.
 */
import { vars } from "./config";
import { sql } from "./engine";
import * as increments from "./increments";

/** The checks of a table, as Dataform's `assertions` config takes them. */
export interface TableChecks {
  readonly uniqueKey?: readonly string[];
  readonly uniqueKeys?: readonly (readonly string[])[];
  readonly nonNull?: readonly string[];
  readonly rowConditions?: readonly string[];
}

/**
 * Which rows of an incremental model its latest run wrote: those of the conversations it refreshed (a table carrying
 * conversation_number), or those from the first request day (`since: "day"`) or month (`since: "month"`) it computed
 * again, on `column` (a DATE, or a TIMESTAMP with `timestamp`).
 */
export type CheckScope =
  | { readonly conversations: true }
  | { readonly since: "day" | "month"; readonly column: string; readonly timestamp?: boolean };

export const CONVERSATIONS: CheckScope = { conversations: true };

export interface CheckedModel {
  /** The model's name (its file name), as increments.step and classification_progress know it. */
  readonly model: string;
  /** Its dataset. */
  readonly schema: string;
  /** Its tags: its checks carry them, as Dataform's own do. */
  readonly tags: readonly string[];
  readonly scope: CheckScope;
}

/** What an assertion's query function receives from Dataform. */
interface AssertionContext {
  ref(...name: string[]): string;
}

interface AssertionBuilder {
  query(query: (ctx: AssertionContext) => string): AssertionBuilder;
  setParentAction?(target: { database?: string; schema: string; name: string }): void;
}

// Dataform's global of the compile (absent when scripts import the includes).
declare const assert: ((name: string, config?: { tags?: string[]; description?: string }) => AssertionBuilder) | undefined;

/** Whether the checks of incremental models read only the rows their latest run wrote (the assertion_scope var). */
export const scopedToRun: boolean = vars.assertion_scope === "run";

/**
 * The `assertions` config of incremental model `checked`: `config` itself when checks read whole tables; otherwise
 * none, and the same assertions declared here, reading only the rows the model's latest run wrote.
 */
export function of(checked: CheckedModel, config: TableChecks): TableChecks {
  if (!scopedToRun || typeof assert !== "function") return config;
  for (const [name, query] of scopedAssertions(checked, config)) {
    const action = assert(name, { tags: [...checked.tags] }).query(query);
    action.setParentAction?.({ database: defaultDatabase(), schema: checked.schema, name: checked.model });
  }
  return {};
}

/**
 * The assertions of `config` as Dataform names and writes them (its uniqueKey and rowConditions queries), each
 * reading the rows of `checked` its latest run wrote instead of the table.
 */
export function scopedAssertions(checked: CheckedModel, config: TableChecks): [string, (ctx: AssertionContext) => string][] {
  const prefix = `${checked.schema}_${checked.model}_assertions`;
  const keys = config.uniqueKeys ?? (config.uniqueKey?.length ? [config.uniqueKey] : []);
  const conditions = [...(config.rowConditions ?? []), ...(config.nonNull ?? []).map((column) => `${column} IS NOT NULL`)];
  const rows = (ctx: AssertionContext) => `(select * from ${ctx.ref(checked.schema, checked.model)} where ${writtenInLatestRun(checked, ctx)})`;
  const assertions: [string, (ctx: AssertionContext) => string][] = keys.map((key, index) => [
    `${prefix}_uniqueKey_${index}`,
    (ctx) =>
      `\nSELECT\n  *\nFROM (\n  SELECT\n    ${key.join(", ")},\n    COUNT(1) AS index_row_count\n  FROM ${rows(ctx)} AS written\n` +
      `  GROUP BY ${key.join(", ")}\n  ) AS data\nWHERE index_row_count > 1\n`,
  ]);
  if (conditions.length > 0) {
    assertions.push([
      `${prefix}_rowConditions`,
      (ctx) =>
        `\nWITH written AS ${rows(ctx)}\n` +
        conditions.map((c) => `SELECT\n  ${sql.stringLiteral(c)} AS failing_row_condition,\n  *\nFROM written\nWHERE NOT (${c})\n`).join("UNION ALL\n"),
    ]);
  }
  return assertions;
}

/**
 * SQL, for cross-table assertions scoped to a run: the condition keeping the rows of the conversations that the latest
 * run of `model` (a step of increments.step) refreshed, on a table carrying conversation_number (`alias` qualifies it).
 */
export function conversationsOfLatestRun(ref: increments.Ref, model: string, alias?: string): string {
  return increments.step(ref, model).writtenInLatestRun(alias);
}

/**
 * SQL: the condition keeping the rows of `checked` that its latest run wrote. The scope's column belongs to every
 * unique key checked (the conversation, the request day or month), so every copy of a repeated key the run wrote is
 * in scope.
 */
function writtenInLatestRun(checked: CheckedModel, ctx: AssertionContext): string {
  const step = increments.step((name) => ctx.ref(name), checked.model);
  const scope = checked.scope;
  if ("conversations" in scope) return step.writtenInLatestRun();
  const first = scope.since === "day" ? step.latestRunFirstChangedDay() : step.latestRunFirstChangedMonth();
  return scope.timestamp ? increments.requestedSince(first, scope.column) : `${scope.column} >= ${first}`;
}

function defaultDatabase(): string | undefined {
  return typeof dataform !== "undefined" ? dataform?.projectConfig?.defaultDatabase : undefined;
}
