"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseSpineTime = exports.variable = exports.setVariable = exports.starExcept = exports.dateArray = exports.arrayRows = exports.unnest = exports.firstBy = exports.nearestRankPercentile = exports.percentileRankColumns = exports.countIf = exports.emptyArray = exports.arrayAggNonNull = exports.currentTimestamp = exports.mod = exports.intDiv = exports.formatTimestamp = exports.dayOfWeek = exports.dateDiffDays = exports.dateAdd = exports.dateTrunc = exports.timestampTrunc = exports.timestampAdd = exports.timestampDiffMicros = exports.epochMicros = exports.identifier = exports.regexpFullMatch = exports.regexpContains = exports.regexpExtract = exports.regexLiteral = exports.stringLiteral = exports.safeCast = exports.type = exports.sql = void 0;
exports.helpersFor = helpersFor;
/**
 * Per-engine SQL helpers: every construct the models use whose spelling or meaning differs between BigQuery
 * Standard SQL (production) and DuckDB (the embedded engine). Models call these instead of branching on the
 * engine, so each difference is written down once and unit-tested for both outputs.
 *
 * In SQLX: `${engine.timestampDiffMicros("a.acked_at", "e.sent_at")}`. Scripts use `helpersFor("duckdb")`.
 */
const config_1 = require("./config");
/** `_time`: the date-time part, then an optional zone (spec §2.1). One pattern, two capturing groups. */
const SPINE_TIME = "^\\s*(\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?)\\s*(Z|UTC|GMT|BST|[+-]\\d{2}:?\\d{2}|)\\s*$";
/** The usual `_time` (e.g. 2019-07-01 09:10:00.334 UTC): milliseconds and a zero offset, the date-time its first 23 characters. */
const SPINE_TIME_UTC_MILLIS = "\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}\\.\\d{3}( UTC| GMT|Z|\\+0000|\\+00:00)?";
/** The same pattern capturing only the date-time, or only the zone, for BigQuery's single-group REGEXP_EXTRACT. */
const SPINE_TIME_BASE_ONLY = SPINE_TIME.replace("\\s*(Z|", "\\s*(?:Z|");
const SPINE_TIME_ZONE_ONLY = SPINE_TIME.replace("^\\s*(\\d{4}", "^\\s*(?:\\d{4}");
/** UTC timestamp from the date-time text and the zone text ('' for none); NULL when the date-time is not valid. */
function spineTimeFrom(h, base, zone) {
    const naive = h.safeCast(`replace(${base}, 'T', ' ')`, "TIMESTAMP");
    const sign = `(case when substr(${zone}, 1, 1) = '-' then -1 else 1 end)`;
    const digits = `replace(substr(${zone}, 2), ':', '')`;
    const offsetMinutes = `(case when ${zone} in ('', 'Z', 'UTC', 'GMT') then 0 when ${zone} = 'BST' then 60 ` +
        `else ${sign} * (${h.safeCast(`substr(${digits}, 1, 2)`, "INT64")} * 60 + ${h.safeCast(`substr(${digits}, 3, 2)`, "INT64")}) end)`;
    return `(case when ${naive} is null then null else ${h.timestampAdd(naive, `-1 * ${offsetMinutes}`, "MINUTE")} end)`;
}
/** A percentile as a whole number from 1 to 99 (nearestRankPercentile). */
function checkedPercent(percent) {
    if (!Number.isInteger(percent) || percent < 1 || percent > 99)
        throw new Error(`nearestRankPercentile: percent must be a whole number from 1 to 99, not ${percent}`);
    return percent;
}
const bigquery = {
    engine: "bigquery",
    type: (t) => t,
    safeCast: (expr, t) => `safe_cast(${expr} as ${t})`,
    stringLiteral: (value) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}'`,
    regexLiteral: (pattern) => {
        if (pattern.includes("'"))
            throw new Error(`regexLiteral: a pattern may not contain a single quote: ${pattern}`);
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
    arrayAggNonNull: (expr, orderBy, elementType) => `ifnull(array_agg(${expr} ignore nulls order by ${orderBy}), ${bigquery.emptyArray(elementType)})`,
    emptyArray: (elementType) => `array<${elementType.toLowerCase()}>[]`,
    countIf: (condition) => `countif(${condition})`,
    percentileRankColumns: (value, partitionBy, rankAlias, populationAlias) => `case when ${value} is not null then row_number() over (partition by ${partitionBy}, ${value} is null order by ${value}) end as ${rankAlias}, ` +
        `count(${value}) over (partition by ${partitionBy}) as ${populationAlias}`,
    nearestRankPercentile: (value, rankColumn, populationColumn, percent) => `max(case when ${rankColumn} = ${bigquery.intDiv(`${checkedPercent(percent)} * ${populationColumn} + 99`, "100")} then ${value} end)`,
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
const DUCKDB_TYPES = {
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
const duckdb = {
    engine: "duckdb",
    type: (t) => DUCKDB_TYPES[t],
    safeCast: (expr, t) => `try_cast(${expr} as ${DUCKDB_TYPES[t]})`,
    stringLiteral: (value) => `'${value.replace(/'/g, "''")}'`,
    regexLiteral: (pattern) => `'${pattern.replace(/'/g, "''")}'`,
    regexpExtract: (expr, pattern) => `(case when regexp_matches(${expr}, ${duckdb.regexLiteral(pattern)}) then regexp_extract(${expr}, ${duckdb.regexLiteral(pattern)}, 1) end)`,
    regexpContains: (expr, pattern) => `regexp_matches(${expr}, ${duckdb.regexLiteral(pattern)})`,
    regexpFullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${duckdb.regexLiteral(pattern)})`,
    identifier: (name) => `"${name.replace(/"/g, '""')}"`,
    epochMicros: (ts) => `epoch_us(${ts})`,
    timestampDiffMicros: (later, earlier) => `(epoch_us(${later}) - epoch_us(${earlier}))`,
    timestampAdd: (ts, amount, part) => `(${ts} + to_microseconds(cast((${amount}) as bigint) * ${MICROS[part]}))`,
    timestampTrunc: (ts, part) => `date_trunc('${part.toLowerCase()}', ${ts})`,
    dateTrunc: (date, part) => `cast(date_trunc('${part.toLowerCase()}', ${date}) as date)`,
    dateAdd: (date, amount, part) => part === "DAY" ? `cast(${date} + cast((${amount}) as integer) as date)` : `cast(${date} + to_months(cast((${amount}) as integer)) as date)`,
    dateDiffDays: (later, earlier) => `date_diff('day', ${earlier}, ${later})`,
    dayOfWeek: (x) => `(dayofweek(${x}) + 1)`,
    formatTimestamp: (format, ts) => `strftime(${ts}, ${duckdb.stringLiteral(format)})`,
    intDiv: (n, d) => `(${n} // ${d})`,
    mod: (n, d) => `(${n} % ${d})`,
    currentTimestamp: () => `cast(current_timestamp as timestamp)`,
    arrayAggNonNull: (expr, orderBy, elementType) => `coalesce(list(${expr} order by ${orderBy}) filter (where ${expr} is not null), ${duckdb.emptyArray(elementType)})`,
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
    dateArray: (first, last, part) => `cast(generate_series(cast(${first} as timestamp), cast(${last} as timestamp), interval 1 ${part.toLowerCase()}) as date[])`,
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
const MICROS = {
    MICROSECOND: 1,
    MILLISECOND: 1000,
    SECOND: 1000000,
    MINUTE: 60000000,
    HOUR: 3600000000,
    DAY: 86400000000,
};
/** The helpers for a given engine. */
function helpersFor(engine) {
    return engine === "bigquery" ? bigquery : duckdb;
}
/** The helpers for the engine this compile targets (the `engine` var). */
exports.sql = helpersFor(config_1.vars.engine);
exports.type = exports.sql.type, exports.safeCast = exports.sql.safeCast, exports.stringLiteral = exports.sql.stringLiteral, exports.regexLiteral = exports.sql.regexLiteral, exports.regexpExtract = exports.sql.regexpExtract, exports.regexpContains = exports.sql.regexpContains, exports.regexpFullMatch = exports.sql.regexpFullMatch, exports.identifier = exports.sql.identifier, exports.epochMicros = exports.sql.epochMicros, exports.timestampDiffMicros = exports.sql.timestampDiffMicros, exports.timestampAdd = exports.sql.timestampAdd, exports.timestampTrunc = exports.sql.timestampTrunc, exports.dateTrunc = exports.sql.dateTrunc, exports.dateAdd = exports.sql.dateAdd, exports.dateDiffDays = exports.sql.dateDiffDays, exports.dayOfWeek = exports.sql.dayOfWeek, exports.formatTimestamp = exports.sql.formatTimestamp, exports.intDiv = exports.sql.intDiv, exports.mod = exports.sql.mod, exports.currentTimestamp = exports.sql.currentTimestamp, exports.arrayAggNonNull = exports.sql.arrayAggNonNull, exports.emptyArray = exports.sql.emptyArray, exports.countIf = exports.sql.countIf, exports.percentileRankColumns = exports.sql.percentileRankColumns, exports.nearestRankPercentile = exports.sql.nearestRankPercentile, exports.firstBy = exports.sql.firstBy, exports.unnest = exports.sql.unnest, exports.arrayRows = exports.sql.arrayRows, exports.dateArray = exports.sql.dateArray, exports.starExcept = exports.sql.starExcept, exports.setVariable = exports.sql.setVariable, exports.variable = exports.sql.variable, exports.parseSpineTime = exports.sql.parseSpineTime;
