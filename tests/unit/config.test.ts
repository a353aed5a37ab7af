import { describe, expect, it } from "vitest";
import { firstBuildBatchesFor, KNOWN_VARS, parseVars } from "../../includes/config";
import { DECISION_LIST, windows, roundedSeconds } from "../../includes/classification";
import { FAILURE_REASON, REASONS_BY_STATUS, STATUS } from "../../includes/constants";

describe("project vars", () => {
  it("parses the defaults and the cutoff list (commas, or semicolons from --vars)", () => {
    const vars = parseVars({ engine: "duckdb" });
    expect(vars.cutoff_days).toEqual([0, 2, 14]);
    expect(vars.metrics_cutoff_days).toBe(14);
    expect(vars.gate_min_national_transfers).toBe(150000);
    expect(vars.first_build_batches).toBe("auto");
    expect(vars.alert_max_rejected_rows).toBe(0);
    expect(parseVars({ engine: "duckdb", alert_max_rejected_rows: "25" }).alert_max_rejected_rows).toBe(25);
    expect(parseVars({ engine: "duckdb", first_build_batches: "1" }).first_build_batches).toBe(1);
    expect(parseVars({ engine: "bigquery", cutoff_days: "14;1;0" }).cutoff_days).toEqual([0, 1, 14]);
  });

  it("sizes first_build_batches \"auto\" at one batch per 2.5 million Spine rows, from 1 to 1000", () => {
    expect([0, 1, 2_500_000, 2_500_001, 6_753_049, 79_836_020, 10_000_000_000].map(firstBuildBatchesFor)).toEqual([1, 1, 1, 2, 3, 32, 1000]);
  });

  it("names the var at fault", () => {
    expect(() => parseVars({ engine: "postgres" })).toThrow(/var "engine"/);
    expect(() => parseVars({ engine: "duckdb", cutoff_days: "0,two" })).toThrow(/var "cutoff_days": "two" is not a whole number/);
    expect(() => parseVars({ engine: "duckdb", cutoff_days: "2,2" })).toThrow(/var "cutoff_days": lists a cutoff twice/);
    expect(() => parseVars({ engine: "duckdb", raw_dataset: "bad-name" })).toThrow(/var "raw_dataset"/);
    expect(() => parseVars({ engine: "duckdb", gate_min_national_transfers: "-3" })).toThrow(/var "gate_min_national_transfers"/);
    expect(() => parseVars({ engine: "duckdb", alert_max_rejected_rows: "-1" })).toThrow(/var "alert_max_rejected_rows": must be a whole number/);
    expect(() => parseVars({ engine: "duckdb", first_build_batches: "0" })).toThrow(/var "first_build_batches": must be "auto" or a positive whole number/);
    expect(() => parseVars({ engine: "duckdb", first_build_batches: "5000" })).toThrow(/var "first_build_batches": must be at most 1000/);
    expect(() => parseVars({ engine: "duckdb", cutoff_days: "0,2", metrics_cutoff_days: "14" })).toThrow(/var "metrics_cutoff_days" \(14\) must be one of cutoff_days/);
  });

  it("refuses an unknown var, listing the known ones", () => {
    expect(KNOWN_VARS).toContain("cutoff_days");
    expect(KNOWN_VARS).toContain("first_build_batches");
    expect(() => parseVars({ engine: "duckdb", nonsense: "1" })).toThrow(
      new RegExp(`Unknown project var "nonsense" in workflow_settings.yaml or --vars; the known vars are: ${KNOWN_VARS.join(", ")}$`),
    );
    expect(() => parseVars({ engine: "duckdb", cutoffs: "1", marts: "x" })).toThrow(/Unknown project vars "cutoffs", "marts"/);
  });
});

describe("classification include", () => {
  it("lists each configured window once, plus the live window", () => {
    expect(windows(true)).toBe("(select 0 as cutoff_days union all select 2 union all select 14 union all select -1)");
    expect(windows(false)).toBe("(select 0 as cutoff_days union all select 2 union all select 14)");
  });

  it("has a decision list whose outcomes are the allowed status and reason pairs, ending in a catch-all", () => {
    for (const rule of DECISION_LIST) expect(REASONS_BY_STATUS[rule.status]).toContain(rule.reason);
    expect(DECISION_LIST.at(-1)).toMatchObject({ condition: "true", status: STATUS.PROCESS_FAILURE, reason: FAILURE_REASON.TRANSFERRED_NOT_INTEGRATED });
    expect(new Set(DECISION_LIST.map((r) => r.rule)).size).toBe(DECISION_LIST.length);
  });

  it("rounds seconds half to even", () => {
    expect(roundedSeconds("d")).toContain("500000");
  });
});
