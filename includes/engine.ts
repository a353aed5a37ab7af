/**
 * Per-engine SQL helpers: every construct the models use whose spelling or meaning differs between BigQuery
 * Standard SQL (production) and DuckDB (the embedded engine). Models call these instead of branching on the
 * engine, so each difference is written down once and unit-tested for both outputs.
 *
 * In SQLX: `${engine.timestampDiffMicros("a.acked_at", "e.sent_at")}`. Scripts use `helpersFor("duckdb")`.
 */
import { vars } from "./config";

export type Engine = "bigquery" | "duckdb";

/** BigQuery type names the models use; `type()` maps them to the engine's spelling. */
export type SqlType = "STRING" | "INT64" | "FLOAT64" | "BOOL" | "DATE" | "TIMESTAMP" | "NUMERIC" | "ARRAY<INT64>" | "ARRAY<STRING>";
export type DatePart = "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR";
export type TimePart = "MICROSECOND" | "MILLISECOND" | "SECOND" | "MINUTE" | "HOUR" | "DAY";

export interface SqlHelpers {
  readonly engine: Engine;
  /** The engine's spelling of a BigQuery type name. */
  type(t: SqlType): string;
  /** CAST that yields NULL instead of failing. */
  safeCast(expr: string, t: SqlType): string;
  /** A string literal, escaped for the engine. */
  stringLiteral(value: string): string;
  /** A regular-expression literal (RE2 syntax on BigQuery; DuckDB also uses RE2). */
  regexLiteral(pattern: string): string;
  /** The first capturing group of `pattern` in `expr`, NULL when it does not match. */
  regexpExtract(expr: string, pattern: string): string;
  /** TRUE when `pattern` matches anywhere in `expr` (not a full match). */
  regexpContains(expr: string, pattern: string): string;
  /** TRUE when `pattern` matches the whole of `expr`. */
  regexpFullMatch(expr: string, pattern: string): string;
  /** A quoted identifier (a column, table or dataset name), as the engine quotes it. */
  identifier(name: string): string;
  /** Microseconds since the Unix epoch of a TIMESTAMP. */
  epochMicros(ts: string): string;
  /** later − earlier in microseconds, as an exact integer (not a count of boundaries). */
  timestampDiffMicros(later: string, earlier: string): string;
  /** A TIMESTAMP moved by `amount` (an integer expression) of `part`. */
  timestampAdd(ts: string, amount: string | number, part: TimePart): string;
  /** A TIMESTAMP truncated to the start of its `part` (UTC). */
  timestampTrunc(ts: string, part: "MINUTE" | "HOUR" | "DAY" | "MONTH"): string;
  /** The first DATE of the `part` containing `date` (weeks start on Monday on both engines). */
  dateTrunc(date: string, part: DatePart): string;
  /** A DATE moved by `amount` (integer expression) of DAY or MONTH. */
  dateAdd(date: string, amount: string | number, part: "DAY" | "MONTH"): string;
  /** Whole days from `earlier` to `later` (DATE values). */
  dateDiffDays(later: string, earlier: string): string;
  /** Day of week 1 (Sunday) to 7 (Saturday), as BigQuery's EXTRACT(DAYOFWEEK). */
  dayOfWeek(dateOrTs: string): string;
  /** strftime-style formatting of a TIMESTAMP in UTC (%Y %m %d %H %M %S). */
  formatTimestamp(format: string, ts: string): string;
  /** Integer division of non-negative integers, truncating. */
  intDiv(numerator: string, denominator: string): string;
  /** Remainder of non-negative integers. */
  mod(numerator: string, denominator: string): string;
  /** The current time as a TIMESTAMP (UTC). */
  currentTimestamp(): string;
  /** ARRAY_AGG of the non-null values of `expr` in `orderBy` order; an empty array (never NULL) when none. */
  arrayAggNonNull(expr: string, orderBy: string, elementType: "INT64" | "STRING"): string;
  /**
   * Aggregate: `value` (NULL or not) from the group's first row in `orderBy` order. Much cheaper than a window when
   * only the first row's value is needed, and it spills. `orderBy` is a list of ascending columns (NULLs last), unique
   * within a group; for a descending timestamp put its negated epochMicros.
   */
  firstBy(value: string, orderBy: string): string;
  /** An empty typed array literal. */
  emptyArray(elementType: "INT64" | "STRING"): string;
  /** `FROM`-clause item that unnests `arrayExpr` into rows with a column named `alias`. */
  unnest(arrayExpr: string, alias: string): string;
  /**
   * `FROM`-clause item: the rows of `source` (a table or CTE, known as `name` in the query, by default `source`
   * itself), one per element of its array column `arrayColumn`, the element in a column `alias`; a row whose array is
   * empty or NULL gives none. DuckDB unnests in a select list: its lateral `cross join unnest` was about ten times
   * slower (error_code_summary over a national month: 3.3 s against 0.35 s).
   */
  arrayRows(source: string, arrayColumn: string, alias: string, name?: string): string;
  /**
   * An array of the DATEs from `first` to `last` (DATE expressions), both included, one `part` apart: as many
   * elements as the span holds, whatever it is. Empty when `last` is before `first`, NULL when either is NULL (so
   * unnesting it gives no row).
   */
  dateArray(first: string, last: string, part: "DAY" | "MONTH"): string;
  /**
   * Rows of a group where `condition` is TRUE. BigQuery's COUNTIF gives 0 when the condition is NULL on every row;
   * DuckDB's countif gives NULL then, so DuckDB counts with a FILTER clause instead.
   */
  countIf(condition: string): string;
  /**
   * Nearest-rank percentiles: the value of rank ceil(p × n / 100) among the n non-NULL values of `value` in a group
   * (one of the values, integer arithmetic only). `percentileRankColumns` gives the two select-list columns a row needs
   * before grouping, named `rankAlias` and `populationAlias`, over the groups `partitionBy` (a column list);
   * `nearestRankPercentile` is the aggregate over the grouped rows, `percent` 1 to 99. BigQuery has no exact
   * percentile aggregate (PERCENTILE_DISC is analytic only, APPROX_QUANTILES approximate), so each row carries its
   * rank and its group's population from window functions. DuckDB's quantile_disc, given the fraction as a DECIMAL,
   * picks the same rank with integer arithmetic (ceil(n × p / 100)) and needs no window: the columns are NULL and the
   * sort is skipped (journey_stages_monthly over a national month: 1.80 s against 0.69 s, every row the same).
   */
  percentileRankColumns(value: string, partitionBy: string, rankAlias: string, populationAlias: string): string;
  nearestRankPercentile(value: string, rankColumn: string, populationColumn: string, percent: number): string;
  /** `SELECT *` minus some columns. */
  starExcept(columns: string[], qualifier?: string): string;
  /**
   * A scalar computed once by an earlier statement of the same action and read by the later ones as a constant: on
   * DuckDB a session variable, which the planner sees as a value (a scalar subquery in its place can make it misjudge
   * the joins around it); on BigQuery nothing is set and `expr` is read in place. `setVariable` gives the statement
   * to put first ("" on BigQuery; on DuckDB it ends with ";" and a newline), `variable` the expression to read.
   */
  setVariable(name: string, expr: string): string;
  variable(name: string, expr: string): string;
  /**
   * Parses a Spine `_time` value (spec §2.1) to a UTC TIMESTAMP, NULL when unparseable. Accepts
   * `YYYY-MM-DD[T ]HH:MM:SS[.ffffff]` followed by `+hhmm`/`+hh:mm`/`-hhmm`, `Z`, `UTC`, `GMT`, `BST` (always
   * UTC+1, whatever the date, as upstream) or nothing (taken as UTC).
   */
  parseSpineTime(expr: string): string;
}

/** `_time`: the date-time part, then an optional zone (spec §2.1). One pattern, two capturing groups. */
const SPINE_TIME = "^\\s*(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?)\\s*(Z|UTC|GMT|BST|[+-]\\d{2}:?\\d{2}|)\\s*$";
/** The usual `_time` (e.g. 2019-07-01 09:10:00.334 UTC): milliseconds and a zero offset, the date-time its first 23 characters. */
const SPINE_TIME_UTC_MILLIS = "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}\\.\\d{3}( UTC| GMT|Z|\\+0000|\\+00:00)?";
/** The same pattern capturing only the date-time, or only the zone, for BigQuery's single-group REGEXP_EXTRACT. */
const SPINE_TIME_BASE_ONLY = SPINE_TIME.replace("\\s*(Z|", "\\s*(?:Z|");
const SPINE_TIME_ZONE_ONLY = SPINE_TIME.replace("^\\s*(\\d{4}", "^\\s*(?:\\d{4}");

/** UTC timestamp from the date-time text and the zone text ('' for none); NULL when the date-time is not valid. */
function spineTimeFrom(h: SqlHelpers, base: string, zone: string): string {
  const naive = h.safeCast(`replace(${base}, 'T', ' ')`, "TIMESTAMP");
  const sign = `(case when substr(${zone}, 1, 1) = '-' then -1 else 1 end)`;
  const digits = `replace(substr(${zone}, 2), ':', '')`;
  const offsetMinutes =
    `(case when ${zone} in ('', 'Z', 'UTC', 'GMT') then 0 when ${zone} = 'BST' then 60 ` +
    `else ${sign} * (${h.safeCast(`substr(${digits}, 1, 2)`, "INT64")} * 60 + ${h.safeCast(`substr(${digits}, 3, 2)`, "INT64")}) end)`;
  return `(case when ${naive} is null then null else ${h.timestampAdd(naive, `-1 * ${offsetMinutes}`, "MINUTE")} end)`;
}

/** A percentile as a whole number from 1 to 99 (nearestRankPercentile). */
function checkedPercent(percent: number): number {
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) throw new Error(`nearestRankPercentile: percent must be a whole number from 1 to 99, not ${percent}`);
  return percent;
}

const bigquery: SqlHelpers = {
  engine: "bigquery",
  type: (t) => t,
  safeCast: (expr, t) => `safe_cast(${expr} as ${t})`,
  stringLiteral: (value) =>
    `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}'`,
  regexLiteral: (pattern) => {
    if (pattern.includes("'")) throw new Error(`regexLiteral: a pattern may not contain a single quote: ${pattern}`);
    return `r'${pattern}'`;
  },
  regexpExtract: (expr, pattern) => `regexp_extract(${expr}, ${bigquery.regexLiteral(pattern)})`,
  regexpContains: (expr, pattern) => `regexp_contains(${expr}, ${bigquery.regexLiteral(pattern)})`,
  regexpFullMatch: (expr, pattern) => `regexp_contains(${expr}, ${bigquery.regexLiteral(`^(?:${pattern})$`)})`,
  identifier: (name) => `\`${name.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``,
  epochMicros: (ts) => `unix_micros(${ts})`,
  timestampDiffMicros: (later, earlier) => `timestamp_diff(${later}, ${earlier}, microsecond)`,
  timestampAdd: (ts, amount, part) => `timestamp_add(${ts}, interval ${amount} ${part.toLowerCase()})`,
  timestampTrunc: (ts, part) => `timestamp_trunc(${ts}, ${part.toLowerCase()})`,
  dateTrunc: (date, part) => `date_trunc(${date}, ${part === "WEEK" ? "isoweek" : part.toLowerCase()})`,
  dateAdd: (date, amount, part) => `date_add(${date}, interval ${amount} ${part.toLowerCase()})`,
  dateDiffDays: (later, earlier) => `date_diff(${later}, ${earlier}, day)`,
  dayOfWeek: (x) => `extract(dayofweek from ${x})`,
  formatTimestamp: (format, ts) => `format_timestamp(${bigquery.stringLiteral(format)}, ${ts}, 'UTC')`,
  intDiv: (n, d) => `div(${n}, ${d})`,
  mod: (n, d) => `mod(${n}, ${d})`,
  currentTimestamp: () => `current_timestamp()`,
  arrayAggNonNull: (expr, orderBy, elementType) =>
    `ifnull(array_agg(${expr} ignore nulls order by ${orderBy}), ${bigquery.emptyArray(elementType)})`,
  emptyArray: (elementType) => `array<${elementType.toLowerCase()}>[]`,
  countIf: (condition) => `countif(${condition})`,
  percentileRankColumns: (value, partitionBy, rankAlias, populationAlias) =>
    `case when ${value} is not null then row_number() over (partition by ${partitionBy}, ${value} is null order by ${value}) end as ${rankAlias}, ` +
    `count(${value}) over (partition by ${partitionBy}) as ${populationAlias}`,
  nearestRankPercentile: (value, rankColumn, populationColumn, percent) =>
    `max(case when ${rankColumn} = ${bigquery.intDiv(`${checkedPercent(percent)} * ${populationColumn} + 99`, "100")} then ${value} end)`,
  setVariable: () => "",
  variable: (_name, expr) => expr,
  // ARRAY_AGG cannot hold a NULL element: the value goes in a struct, which can.
  firstBy: (value, orderBy) => `array_agg(struct(${value} as value) order by ${orderBy} limit 1)[offset(0)].value`,
  unnest: (arrayExpr, alias) => `unnest(${arrayExpr}) as ${alias}`,
  arrayRows: (source, arrayColumn, alias, name = source) => `${source} as ${name} cross join unnest(${name}.${arrayColumn}) as ${alias}`,
  dateArray: (first, last, part) => `generate_date_array(${first}, ${last}, interval 1 ${part.toLowerCase()})`,
  starExcept: (columns, qualifier) => `${qualifier ? `${qualifier}.` : ""}* except (${columns.join(", ")})`,
  parseSpineTime: (expr) => {
    // REGEXP_EXTRACT gives NULL when the pattern does not match and '' when the zone group matches nothing.
    const base = bigquery.regexpExtract(expr, SPINE_TIME_BASE_ONLY);
    const zone = bigquery.regexpExtract(expr, SPINE_TIME_ZONE_ONLY);
    return `(case when ${base} is null then null else ${spineTimeFrom(bigquery, base, zone)} end)`;
  },
};

const DUCKDB_TYPES: Record<SqlType, string> = {
  STRING: "varchar",
  INT64: "bigint",
  FLOAT64: "double",
  BOOL: "boolean",
  DATE: "date",
  TIMESTAMP: "timestamp",
  NUMERIC: "decimal(38, 9)",
  "ARRAY<INT64>": "bigint[]",
  "ARRAY<STRING>": "varchar[]",
};

const duckdb: SqlHelpers = {
  engine: "duckdb",
  type: (t) => DUCKDB_TYPES[t],
  safeCast: (expr, t) => `try_cast(${expr} as ${DUCKDB_TYPES[t]})`,
  stringLiteral: (value) => `'${value.replace(/'/g, "''")}'`,
  regexLiteral: (pattern) => `'${pattern.replace(/'/g, "''")}'`,
  regexpExtract: (expr, pattern) =>
    `(case when regexp_matches(${expr}, ${duckdb.regexLiteral(pattern)}) then regexp_extract(${expr}, ${duckdb.regexLiteral(pattern)}, 1) end)`,
  regexpContains: (expr, pattern) => `regexp_matches(${expr}, ${duckdb.regexLiteral(pattern)})`,
  regexpFullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${duckdb.regexLiteral(pattern)})`,
  identifier: (name) => `"${name.replace(/"/g, '""')}"`,
  epochMicros: (ts) => `epoch_us(${ts})`,
  timestampDiffMicros: (later, earlier) => `(epoch_us(${later}) - epoch_us(${earlier}))`,
  timestampAdd: (ts, amount, part) => `(${ts} + to_microseconds(cast((${amount}) as bigint) * ${MICROS[part]}))`,
  timestampTrunc: (ts, part) => `date_trunc('${part.toLowerCase()}', ${ts})`,
  dateTrunc: (date, part) => `cast(date_trunc('${part.toLowerCase()}', ${date}) as date)`,
  dateAdd: (date, amount, part) =>
    part === "DAY" ? `cast(${date} + cast((${amount}) as integer) as date)` : `cast(${date} + to_months(cast((${amount}) as integer)) as date)`,
  dateDiffDays: (later, earlier) => `date_diff('day', ${earlier}, ${later})`,
  dayOfWeek: (x) => `(dayofweek(${x}) + 1)`,
  formatTimestamp: (format, ts) => `strftime(${ts}, ${duckdb.stringLiteral(format)})`,
  intDiv: (n, d) => `(${n} // ${d})`,
  mod: (n, d) => `(${n} % ${d})`,
  currentTimestamp: () => `cast(current_timestamp as timestamp)`,
  arrayAggNonNull: (expr, orderBy, elementType) =>
    `coalesce(list(${expr} order by ${orderBy}) filter (where ${expr} is not null), ${duckdb.emptyArray(elementType)})`,
  emptyArray: (elementType) => `cast([] as ${DUCKDB_TYPES[`ARRAY<${elementType}>`]})`,
  countIf: (condition) => `count(*) filter (where ${condition})`,
  percentileRankColumns: (_value, _partitionBy, rankAlias, populationAlias) => `cast(null as BIGINT) as ${rankAlias}, cast(null as BIGINT) as ${populationAlias}`,
  nearestRankPercentile: (value, _rankColumn, _populationColumn, percent) => `quantile_disc(${value}, ${(checkedPercent(percent) / 100).toFixed(2)})`,
  setVariable: (name, expr) => `set variable ${name} = ${expr};\n`,
  variable: (name) => `getvariable('${name}')`,
  // arg_min_null (unlike arg_min, it keeps a NULL value) over a composite key holds one row per group; an ordered
  // aggregate (first(... order by ...)) buffers every row of every group and does not spill.
  firstBy: (value, orderBy) => `arg_min_null(${value}, row(${orderBy}))`,
  unnest: (arrayExpr, alias) => `unnest(${arrayExpr}) as _unnested_${alias}(${alias})`,
  arrayRows: (source, arrayColumn, alias, name = source) => `(select *, unnest(${arrayColumn}) as ${alias} from ${source}) as ${name}`,
  // generate_series steps TIMESTAMPs (DATE arguments are cast to them); the elements are cast back to DATE.
  dateArray: (first, last, part) =>
    `cast(generate_series(cast(${first} as timestamp), cast(${last} as timestamp), interval 1 ${part.toLowerCase()}) as date[])`,
  starExcept: (columns, qualifier) => `${qualifier ? `${qualifier}.` : ""}* exclude (${columns.join(", ")})`,
  // One regular-expression pass for both groups: DuckDB returns them as a struct ('' fields when no match).
  parseSpineTime: (expr) => {
    const parts = `regexp_extract(${expr}, ${duckdb.regexLiteral(SPINE_TIME)}, ['base', 'zone'])`;
    const general = `(case when ${parts}.base = '' then null else ${spineTimeFrom(duckdb, `${parts}.base`, `${parts}.zone`)} end)`;
    // The usual form (milliseconds, a zero offset) is cast directly: the same result as the general parse, at a fifth
    // of the cost, which matters for every message at load and in the staged model.
    return `(case when regexp_full_match(${expr}, ${duckdb.regexLiteral(SPINE_TIME_UTC_MILLIS)}) then ${duckdb.safeCast(`replace(left(${expr}, 23), 'T', ' ')`, "TIMESTAMP")} else ${general} end)`;
  },
};

const MICROS: Record<TimePart, number> = {
  MICROSECOND: 1,
  MILLISECOND: 1_000,
  SECOND: 1_000_000,
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
  DAY: 86_400_000_000,
};

/** The helpers for a given engine. */
export function helpersFor(engine: Engine): SqlHelpers {
  return engine === "bigquery" ? bigquery : duckdb;
}

/** The helpers for the engine this compile targets (the `engine` var). */
export const sql: SqlHelpers = helpersFor(vars.engine);
export const {
  type,
  safeCast,
  stringLiteral,
  regexLiteral,
  regexpExtract,
  regexpContains,
  regexpFullMatch,
  identifier,
  epochMicros,
  timestampDiffMicros,
  timestampAdd,
  timestampTrunc,
  dateTrunc,
  dateAdd,
  dateDiffDays,
  dayOfWeek,
  formatTimestamp,
  intDiv,
  mod,
  currentTimestamp,
  arrayAggNonNull,
  emptyArray,
  countIf,
  percentileRankColumns,
  nearestRankPercentile,
  firstBy,
  unnest,
  arrayRows,
  dateArray,
  starExcept,
  setVariable,
  variable,
  parseSpineTime,
} = sql;
