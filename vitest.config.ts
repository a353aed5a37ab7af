import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Limits for a hung test, not speed checks: a test that runs the graph can take minutes on a busy 2-core machine
    // (tests wait on conditions; speed is measured by `gp2gp bench`, never by a timed test).
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // expect.poll waits for its condition (a page's figures to appear, say) up to this, not vitest's default 1 s.
    expect: { poll: { timeout: 120_000 } },
    // DuckDB files and the analyzer server are per test file; two workers match the two cores here.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
