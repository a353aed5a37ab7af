/**
 * Details of the BigQuery statement builders that the executor tests do not reach: comment-only statements,
 * literals, materialized views, Dataform options passed through, and unsupported incremental settings.
 */
import { describe, expect, it } from "vitest";
import { compiledGraphSchema, CompiledTable } from "../../scripts/lib/compile";
import {
  createStatement,
  isBlankSql,
  mergeStatement,
  planTableBuild,
  queryBody,
  stringLiteral,
  stripComments,
  tableReference,
  UnsupportedConfigError,
} from "../../scripts/lib/runner/bigquery-sql";

function table(config: Record<string, unknown>): CompiledTable {
  return compiledGraphSchema.parse({
    projectConfig: { defaultSchema: "d" },
    tables: [{ type: "table", target: { database: "p", schema: "d", name: "t" }, query: "select 1 as id", fileName: "definitions/t.sqlx", ...config }],
  }).tables[0];
}

describe("bigquery-sql", () => {
  it("recognises statements that hold only comments", () => {
    expect(isBlankSql("\n  -- a comment\n  /* another */ ; # and a hash comment\n")).toBe(true);
    expect(isBlankSql("select '--not a comment'")).toBe(false);
    expect(stripComments("select '-- kept', \"#kept\", `a--b` -- dropped\nfrom x /* dropped */")).toBe("select '-- kept', \"#kept\", `a--b` \nfrom x  ");
    expect(stripComments("select '''it's -- kept''' as x")).toBe("select '''it's -- kept''' as x");
  });

  it("writes literals and references BigQuery reads back unchanged", () => {
    expect(stringLiteral("it's a \\ path\nnext")).toBe("'it\\'s a \\\\ path\\nnext'");
    expect(tableReference({ database: "p-1", schema: "d", name: "t" })).toBe("`p-1.d.t`");
    expect(tableReference({ schema: "d", name: "t" })).toBe("`d.t`");
    expect(queryBody("select 1;\n ; \n")).toBe("select 1");
  });

  it("gives materialized views their storage options and plain views none", () => {
    const config = { type: "view", bigquery: { partitionBy: "d", clusterBy: ["a"] } };
    expect(createStatement(table({ ...config, materialized: true }), "view")).toBe("create or replace materialized view `p.d.t`\npartition by d\ncluster by a\nas\nselect 1 as id");
    expect(createStatement(table(config), "view")).toBe("create or replace view `p.d.t`\nas\nselect 1 as id");
  });

  it("passes additionalOptions through as written and drops partition options without a partition", () => {
    const sql = createStatement(table({ bigquery: { requirePartitionFilter: true, additionalOptions: { friendly_name: '"Friendly"' } } }), "table");
    expect(sql).toBe('create or replace table `p.d.t`\noptions(\n  friendly_name="Friendly"\n)\nas\nselect 1 as id');
  });

  it("adds incremental predicates to the MERGE condition", () => {
    const sql = mergeStatement(table({ type: "incremental", uniqueKey: ["id", "day"], bigquery: { incrementalPredicates: ["DATAFORM_DEST.day > '2020-01-01'", " "] } }), ["id", "day"]);
    expect(sql).toContain("on DATAFORM_DEST.`id` = DATAFORM_SOURCE.`id`\n  and DATAFORM_DEST.`day` = DATAFORM_SOURCE.`day`\n  and (DATAFORM_DEST.day > '2020-01-01')\nwhen matched");
  });

  it("refuses incremental settings it does not implement", () => {
    const plan = (extra: Record<string, unknown>) => () => planTableBuild(table({ type: "incremental", ...extra }), "incremental", { fullRefresh: false });
    expect(plan({ onSchemaChange: "EXTEND" })).toThrow(UnsupportedConfigError);
    expect(plan({ incrementalStrategy: "INSERT_OVERWRITE" })).toThrow(/INSERT_OVERWRITE is not supported/);
    expect(plan({ onSchemaChange: "IGNORE", incrementalStrategy: "INCREMENTAL_STRATEGY_UNSPECIFIED" })).not.toThrow();
  });
});
