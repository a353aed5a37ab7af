/**
 * The suite's split of a run's time by layer, read from the runner's --summary-json.
 */
import { describe, expect, it } from "vitest";
import { datasets } from "../../includes/config";
import { runBreakdown } from "../../scripts/lib/bench/suite";

describe("runBreakdown", () => {
  it("adds the seconds of staged and correlated models, marts, assertions and unit tests", () => {
    const breakdown = runBreakdown({
      seconds: 20.04,
      actions: [
        { action: "gp2gp_raw.spine_messages", kind: "declaration", seconds: 0.01 },
        { action: "gp2gp_staged.stg_spine_messages", kind: "incremental", seconds: 1.26 },
        { action: "gp2gp_correlated.conversations", kind: "incremental", seconds: 2.5 },
        { action: "gp2gp_correlated.classification_progress", kind: "operation", seconds: 0.1 },
        { action: "gp2gp_marts.transfers", kind: "incremental", seconds: 3 },
        { action: "gp2gp_marts.transfers_live", kind: "view", seconds: null },
        { action: "gp2gp_assertions.gp2gp_marts_transfers_assertions_uniqueKey_0", kind: "assertion", seconds: 0.75 },
        { action: "gp2gp_assertions.transfers__miss_a_cutoff", kind: "assertion", seconds: 0.5 },
        { action: "test:test_stg_practice_asids", kind: "test", seconds: 0.2 },
      ],
    }, datasets);
    expect(breakdown).toEqual({ runner: 20, classify: 3.9, marts: 3, assertions: 1.3, tests: 0.2 });
  });
});
