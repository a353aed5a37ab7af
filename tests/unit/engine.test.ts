/**
 * The per-engine SQL helpers: the exact BigQuery text, and the DuckDB text run on DuckDB to check it means the same.
 */
import { datasets } from "../../includes/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helpersFor } from "../../includes/engine";
import { Warehouse } from "../../scripts/lib/duckdb";
import { tempDir } from "../support/warehouse";
import path from "node:path";

const bq = helpersFor("bigquery");
const duck = helpersFor("duckdb");
let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open(path.join(tempDir("engine"), "e.duckdb"), { datasets });
});
afterAll(() => warehouse.close());
const value = (expr: string) => warehouse.scalar(`select ${expr}`);
const ts = (s: string) => `timestamp '${s}'`;

describe("engine helpers", () => {
  it("types", () => {
    expect(bq.type("INT64")).toBe("INT64");
    expect(duck.type("INT64")).toBe("bigint");
    expect(duck.type("FLOAT64")).toBe("double");
    expect(duck.type("NUMERIC")).toBe("decimal(38, 9)");
    expect(duck.type("ARRAY<INT64>")).toBe("bigint[]");
  });

  it("safeCast", async () => {
    expect(bq.safeCast("x", "INT64")).toBe("safe_cast(x as INT64)");
    expect(await value(duck.safeCast("'12'", "INT64"))).toBe(12);
    expect(await value(duck.safeCast("'INVALID'", "INT64"))).toBe(null);
  });

  it("stringLiteral escapes quotes for each engine", async () => {
    expect(bq.stringLiteral("O'Brien \\ x")).toBe("'O\\'Brien \\\\ x'");
    expect(duck.stringLiteral("O'Brien")).toBe("'O''Brien'");
    expect(await value(duck.stringLiteral("O'Brien"))).toBe("O'Brien");
    // control characters too: BigQuery's quoted literals cannot hold a raw newline, carriage return or tab
    expect(bq.stringLiteral("a\nb\rc\td")).toBe("'a\\nb\\rc\\td'");
    expect(await value(duck.stringLiteral("a\nb\rc\td"))).toBe("a\nb\rc\td");
  });

  it("regexpExtract returns the group, NULL when there is no match", async () => {
    expect(bq.regexpExtract("x", "^(a+)")).toBe("regexp_extract(x, r'^(a+)')");
    expect(await value(duck.regexpExtract("'aab'", "^(a+)"))).toBe("aa");
    expect(await value(duck.regexpExtract("'baa'", "^(a+)"))).toBe(null);
    expect(() => bq.regexLiteral("it's")).toThrow(/single quote/);
  });

  it("regexpContains matches anywhere, not the whole string", async () => {
    expect(bq.regexpContains("x", "b")).toBe("regexp_contains(x, r'b')");
    expect(await value(duck.regexpContains("'abc'", "b"))).toBe(true);
    expect(await value(duck.regexpContains("'abc'", "^b"))).toBe(false);
  });

  it("regexpFullMatch matches the whole string only, alternatives included", async () => {
    expect(bq.regexpFullMatch("x", "[0-9]{12,13}")).toBe("regexp_contains(x, r'^(?:[0-9]{12,13})$')");
    expect(await value(duck.regexpFullMatch("'123456789012'", "[0-9]{12,13}"))).toBe(true);
    expect(await value(duck.regexpFullMatch("'x123456789012'", "[0-9]{12,13}"))).toBe(false);
    expect(await value(duck.regexpFullMatch("'ab'", "a|ab"))).toBe(true);
  });

  it("identifier quotes a name as the engine does", async () => {
    expect(bq.identifier("message_time")).toBe("`message_time`");
    expect(bq.identifier("a`b\\c")).toBe("`a\\`b\\\\c`");
    expect(duck.identifier('odd "name"')).toBe('"odd ""name"""');
    expect(await warehouse.scalar(`select 1 as ${duck.identifier('odd "name"')}`)).toBe(1);
  });

  it("timestampDiffMicros is an exact difference, not a count of boundaries", async () => {
    expect(bq.timestampDiffMicros("a", "b")).toBe("timestamp_diff(a, b, microsecond)");
    expect(await value(duck.timestampDiffMicros(ts("2024-01-01 00:00:01.5"), ts("2024-01-01 00:00:00.75")))).toBe(750000);
    expect(await value(duck.timestampDiffMicros(ts("2024-01-01 00:00:00"), ts("2023-12-31 23:59:59.999")))).toBe(1000);
  });

  it("epochMicros", async () => {
    expect(bq.epochMicros("t")).toBe("unix_micros(t)");
    expect(await value(duck.epochMicros(ts("1970-01-01 00:00:01")))).toBe(1000000);
  });

  it("timestampAdd takes an integer expression", async () => {
    expect(bq.timestampAdd("t", "n + 1", "DAY")).toBe("timestamp_add(t, interval n + 1 day)");
    expect(await value(`cast(${duck.timestampAdd(ts("2024-02-28 12:00:00"), "1 + 1", "DAY")} as varchar)`)).toBe("2024-03-01 12:00:00");
    expect(await value(`cast(${duck.timestampAdd(ts("2024-01-01 00:00:00"), "-90", "MINUTE")} as varchar)`)).toBe("2023-12-31 22:30:00");
  });

  it("timestampTrunc and dateTrunc (weeks start on Monday on both)", async () => {
    expect(bq.timestampTrunc("t", "HOUR")).toBe("timestamp_trunc(t, hour)");
    expect(bq.dateTrunc("d", "MONTH")).toBe("date_trunc(d, month)");
    expect(bq.dateTrunc("d", "WEEK")).toBe("date_trunc(d, isoweek)");
    expect(await value(`cast(${duck.timestampTrunc(ts("2024-03-04 09:59:59"), "HOUR")} as varchar)`)).toBe("2024-03-04 09:00:00");
    expect(await value(`cast(${duck.dateTrunc("date '2024-03-31'", "MONTH")} as varchar)`)).toBe("2024-03-01");
    expect(await value(`cast(${duck.dateTrunc("date '2024-03-10'", "WEEK")} as varchar)`)).toBe("2024-03-04");
  });

  it("dateAdd and dateDiffDays", async () => {
    expect(bq.dateAdd("d", 1, "MONTH")).toBe("date_add(d, interval 1 month)");
    expect(bq.dateDiffDays("a", "b")).toBe("date_diff(a, b, day)");
    expect(await value(`cast(${duck.dateAdd("date '2024-01-31'", 1, "MONTH")} as varchar)`)).toBe("2024-02-29");
    expect(await value(`cast(${duck.dateAdd("date '2024-01-31'", "-1", "DAY")} as varchar)`)).toBe("2024-01-30");
    expect(await value(duck.dateDiffDays("date '2024-03-01'", "date '2024-02-01'"))).toBe(29);
  });

  it("dayOfWeek is 1 for Sunday on both", async () => {
    expect(bq.dayOfWeek("d")).toBe("extract(dayofweek from d)");
    expect(await value(duck.dayOfWeek("date '2024-03-03'"))).toBe(1);
    expect(await value(duck.dayOfWeek("date '2024-03-09'"))).toBe(7);
  });

  it("formatTimestamp", async () => {
    expect(bq.formatTimestamp("%Y-%m-%d %H:00", "t")).toBe("format_timestamp('%Y-%m-%d %H:00', t, 'UTC')");
    expect(await value(duck.formatTimestamp("%Y-%m-%d %H:00", ts("2019-12-31 12:00:21")))).toBe("2019-12-31 12:00");
  });

  it("intDiv and mod", async () => {
    expect(bq.intDiv("a", "b")).toBe("div(a, b)");
    expect(bq.mod("a", "b")).toBe("mod(a, b)");
    expect(await value(duck.intDiv("7", "2"))).toBe(3);
    expect(await value(duck.mod("7", "2"))).toBe(1);
  });

  it("currentTimestamp", async () => {
    expect(bq.currentTimestamp()).toBe("current_timestamp()");
    expect(typeof (await value(duck.currentTimestamp()))).toBe("string");
  });

  it("arrayAggNonNull keeps order, drops NULLs and gives an empty array, never NULL", async () => {
    expect(bq.arrayAggNonNull("x", "y", "INT64")).toBe("ifnull(array_agg(x ignore nulls order by y), array<int64>[])");
    const agg = duck.arrayAggNonNull("x", "y", "INT64");
    expect(await value(`${agg} from (values (3, 2), (null, 1), (5, 0)) as t(x, y)`)).toEqual([5, 3]);
    expect(await value(`${agg} from (values (null::int, 1)) as t(x, y)`)).toEqual([]);
    expect(await value(`${duck.emptyArray("INT64")} = []`)).toBe(true);
  });

  it("countIf counts a NULL condition as false, giving 0 rather than NULL", async () => {
    expect(bq.countIf("x > 1")).toBe("countif(x > 1)");
    expect(await value(`${duck.countIf("x > 1")} from (values (null::int), (null)) as t(x)`)).toBe(0);
    expect(await value(`${duck.countIf("x > 1")} from (values (null::int), (5), (0)) as t(x)`)).toBe(1);
  });

  it("firstBy takes the value of the first row in the given order", async () => {
    // in a struct, so that a NULL value is kept rather than refused by ARRAY_AGG
    expect(bq.firstBy("v", "a, b")).toBe("array_agg(struct(v as value) order by a, b limit 1)[offset(0)].value");
    expect(await value(`${duck.firstBy("v", "a, b")} from (values ('x', 2, 1), ('y', 1, 2), ('z', 1, 1)) as t(v, a, b)`)).toBe("z");
    // the first row's value even when it is NULL (a later row's value would be wrong), and NULL keys sort last
    expect(await value(`${duck.firstBy("v", "a, b")} from (values (null, 1, 1), ('y', 1, 2)) as t(v, a, b)`)).toBeNull();
    expect(await value(`${duck.firstBy("v", "a, b")} from (values ('x', 1, null::int), ('y', 1, 2)) as t(v, a, b)`)).toBe("y");
    // latest first: a negated epoch, ties to the lowest second key
    const latest = `-${duck.epochMicros("t")}, k`;
    const rows = `(values ('old', timestamp '2021-01-01', 'a'), ('new-b', timestamp '2021-02-01', 'b'), ('new-a', timestamp '2021-02-01', 'a')) as r(v, t, k)`;
    expect(await value(`${duck.firstBy("v", latest)} from ${rows}`)).toBe("new-a");
  });

  it("unnest and starExcept", async () => {
    expect(bq.unnest("[1, 2]", "code")).toBe("unnest([1, 2]) as code");
    expect(bq.starExcept(["a", "b"], "t")).toBe("t.* except (a, b)");
    expect(await warehouse.rows(`select code from ${duck.unnest("[1, 2]", "code")} order by code`)).toEqual([{ code: 1 }, { code: 2 }]);
    expect(await warehouse.rows(`select ${duck.starExcept(["a"])} from (select 1 as a, 2 as b)`)).toEqual([{ b: 2 }]);
  });

  it("arrayRows gives a row per element, none for an empty or NULL array, under the source's name or another", async () => {
    expect(bq.arrayRows("transfers", "codes", "code")).toBe("transfers as transfers cross join unnest(transfers.codes) as code");
    expect(bq.arrayRows("gp2gp_marts.t", "codes", "code", "listed")).toBe("gp2gp_marts.t as listed cross join unnest(listed.codes) as code");
    const source = "(select 1 as id, [1, 2] as codes union all select 2, [] union all select 3, null union all select 4, [null, 5])";
    const rows = (from: string) => warehouse.rows<{ id: number; code: number | null }>(`with listed as ${source} select listed.id, code from ${from} order by all`);
    const expected = [
      { id: 1, code: 1 },
      { id: 1, code: 2 },
      { id: 4, code: 5 },
      { id: 4, code: null },
    ];
    expect(await rows(duck.arrayRows("listed", "codes", "code"))).toEqual(expected);
    expect(await rows(duck.arrayRows(source, "codes", "code", "listed"))).toEqual(expected);
  });

  it("nearestRankPercentile gives the value of rank ceil(p × n / 100) among a group's non-NULL values, on both engines' SQL", async () => {
    // groups of 1 to 260 values with ties and NULLs, in an order unrelated to the values
    const groups = Array.from({ length: 260 }, (_, g) => Array.from({ length: g + 1 }, (_, i) => (i % 7 === 3 ? null : ((i * 7919 + g * 31) % 97) * 10)));
    const rows = groups.flatMap((values, g) => values.map((v) => `(${g}, ${v ?? "null"})`)).join(", ");
    const source = `(select * from (values ${rows}) as t(g, v))`;
    const percents = [50, 90, 99];
    const expected = groups.map((values, g) => {
      const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
      return { g, ...Object.fromEntries(percents.map((p) => [`p${p}`, sorted.length === 0 ? null : sorted[Math.ceil((p * sorted.length) / 100) - 1]!])) };
    });
    const query = (h: typeof duck) =>
      `select g, ${percents.map((p) => `${h.nearestRankPercentile("v", "v_rank", "v_population", p)} as p${p}`).join(", ")}
       from (select g, v, ${h.percentileRankColumns("v", "g", "v_rank", "v_population")} from ${source}) as ranked
       group by g order by g`;
    expect(await warehouse.rows(query(duck))).toEqual(expected);
    expect(query(duck)).not.toContain(" over ");
    // BigQuery's text, run on DuckDB with its one BigQuery-only function (div) defined as a macro
    await warehouse.run("create or replace temp macro div(a, b) as a // b");
    expect(query(bq)).toContain("row_number() over (partition by g, v is null order by v)");
    expect(await warehouse.rows(query(bq))).toEqual(expected);
    expect(() => duck.nearestRankPercentile("v", "r", "n", 99.5)).toThrow(/whole number from 1 to 99/);
  });

  it("dateArray spans its arguments, whatever the span, and gives no row for NULL bounds", async () => {
    expect(bq.dateArray("a", "b", "MONTH")).toBe("generate_date_array(a, b, interval 1 month)");
    const months = (first: string, last: string) =>
      warehouse.rows<{ m: string }>(`select cast(m as varchar) as m from ${duck.unnest(duck.dateArray(first, last, "MONTH"), "m")} order by m`);
    expect(await months("date '2020-11-01'", "date '2021-02-01'")).toEqual([{ m: "2020-11-01" }, { m: "2020-12-01" }, { m: "2021-01-01" }, { m: "2021-02-01" }]);
    expect(await months("date '2021-02-01'", "date '2021-02-01'")).toEqual([{ m: "2021-02-01" }]);
    expect(await months("date '2021-02-01'", "date '2020-11-01'")).toEqual([]);
    expect(await months("cast(null as date)", "date '2021-02-01'")).toEqual([]);
    // more than 1 000 months: 1900-01 to 9999-12
    expect(await value(`count(*) from ${duck.unnest(duck.dateArray("date '1900-01-01'", "date '9999-12-01'", "MONTH"), "m")}`)).toBe(97_200);
    expect(await value(`typeof(${duck.dateArray("date '2021-01-01'", "date '2021-01-03'", "DAY")})`)).toBe("DATE[]");
    expect(await value(`len(${duck.dateArray("date '2021-01-01'", "date '2021-03-01'", "DAY")})`)).toBe(60);
  });

  it("parseSpineTime accepts the export's forms (spec §2.1, P1) and nothing else", async () => {
    const parse = async (text: string) => value(`cast(${duck.parseSpineTime(duck.stringLiteral(text))} as varchar)`);
    for (const text of ["2019-07-01T09:10:00.334+0000", "2019-07-01 09:10:00.334 UTC", "2019-07-01 10:10:00.334 BST", "2019-07-01 11:10:00.334+02:00", "2019-07-01T08:10:00.334-01:00", "2019-07-01 09:10:00.334Z"]) {
      expect(await parse(text), text).toBe("2019-07-01 09:10:00.334");
    }
    // BST is a fixed +1 h label, even on a winter date, as upstream.
    expect(await parse("2019-01-01 10:00:00 BST")).toBe("2019-01-01 09:00:00");
    expect(await parse("2019-07-01 09:10:00")).toBe("2019-07-01 09:10:00");
    for (const bad of ["", "garbage", "2019-13-01 00:00:00 UTC", "2019-07-01 09:10:00 PST", "2019-07-01", "01/07/2019 09:10"]) {
      expect(await parse(bad), bad).toBe(null);
    }
    expect(bq.parseSpineTime("message_time")).toContain("safe_cast(replace(regexp_extract(message_time, r'");
  });
});
