/**
 * The data dictionary and lineage pages (scripts/lib/reports/dictionary.ts): generated from the compiled Dataform
 * graph, with every dataset and column, the right upstream and downstream datasets and the assertions on each; and
 * the committed pages under reports/pages/data-dictionary/ are what the graph gives today.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileProject, compiledGraphSchema, targetName, type CompiledGraph, type Target } from "../../scripts/lib/compile";
import { anchorOf, DICTIONARY_DIR, dictionaryDatasets, dictionaryPages, pageText } from "../../scripts/lib/reports/dictionary";

const t = (schema: string, name: string) => ({ database: "p", schema, name });

/** A small graph: raw → staged → correlated → two marts, one reading the other, with assertions. */
const SMALL = compiledGraphSchema.parse({
  projectConfig: { defaultSchema: "x_marts" },
  declarations: [
    { target: t("x_raw", "messages"), fileName: "definitions/sources/raw.js", actionDescriptor: { description: "One row per message row.", columns: [{ path: ["body"], description: "Text {as} <sent>." }] } },
  ],
  tables: [
    { type: "incremental", target: t("x_staged", "stg_messages"), query: "", fileName: "s.sqlx", dependencyTargets: [t("x_raw", "messages")], uniqueKey: ["id"], actionDescriptor: { description: "One row per message. Typed.", columns: [{ path: ["id"], description: "Key." }] } },
    { type: "table", target: t("x_correlated", "steps"), query: "", fileName: "c.sqlx", dependencyTargets: [t("x_staged", "stg_messages")], actionDescriptor: { description: "Steps, `typed`.", columns: [] } },
    { type: "table", target: t("x_marts", "daily"), query: "", fileName: "d.sqlx", dependencyTargets: [t("x_correlated", "steps")], actionDescriptor: { description: "One row per day.", columns: [{ path: ["day"], description: "The day." }] } },
    { type: "view", target: t("x_marts", "latest"), query: "", fileName: "l.sqlx", dependencyTargets: [t("x_marts", "daily"), t("x_staged", "stg_messages")], actionDescriptor: { description: "One row.", columns: [{ path: ["day"] }] } },
    { type: "table", target: t("x_marts", "switched_off"), query: "", fileName: "o.sqlx", disabled: true, dependencyTargets: [t("x_marts", "daily")] },
  ],
  assertions: [
    { target: t("x_assertions", "x_staged_stg_messages_assertions_uniqueKey_0"), query: "", fileName: "s.sqlx", parentAction: t("x_staged", "stg_messages"), dependencyTargets: [t("x_staged", "stg_messages")] },
    { target: t("x_assertions", "days__are_missing"), query: "", fileName: "a.sqlx", disabled: true, tags: ["gate"], dependencyTargets: [t("x_marts", "daily"), t("x_marts", "latest")], actionDescriptor: { description: "Fails when a day is missing." } },
  ],
});

describe("data dictionary generator", () => {
  it("links each dataset to what it is built from and what uses it, in layer order, leaving disabled models out", () => {
    const datasets = dictionaryDatasets(SMALL);
    expect(datasets.map((d) => d.id)).toEqual(["x_raw.messages", "x_staged.stg_messages", "x_correlated.steps", "x_marts.daily", "x_marts.latest"]);
    const byId = new Map(datasets.map((d) => [d.id, d]));
    expect(byId.get("x_raw.messages")).toMatchObject({ kind: "declaration", upstream: [], downstream: ["x_staged.stg_messages"], grain: "One row per message row." });
    expect(byId.get("x_staged.stg_messages")).toMatchObject({ upstream: ["x_raw.messages"], downstream: ["x_correlated.steps", "x_marts.latest"], uniqueKey: ["id"] });
    expect(byId.get("x_marts.daily")!.downstream).toEqual(["x_marts.latest"]);
    expect(byId.get("x_marts.latest")!.upstream).toEqual(["x_staged.stg_messages", "x_marts.daily"]);
    expect(byId.get("x_correlated.steps")!.grain).toBeUndefined();
    expect(byId.get("x_staged.stg_messages")!.assertions.map((a) => a.description)).toEqual([expect.stringMatching(/^Built in: no two rows of stg_messages share the unique key \(id\)/)]);
    expect(byId.get("x_marts.latest")!.assertions).toEqual([{ name: "days__are_missing", description: "Fails when a day is missing.", disabled: true, tags: ["gate"] }]);
  });

  it("writes pages Svelte can read: braces and markup escaped, links to each dataset's section", () => {
    const pages = dictionaryPages(SMALL);
    const dictionary = pages["index.md"]!;
    expect(dictionary).toContain("Text &#123;as&#125; &lt;sent&gt;.");
    expect(dictionary).toContain("Steps, <code>typed</code>.");
    expect(dictionary).toContain(`id="${anchorOf("x_marts.latest")}"`);
    expect(dictionary).toMatch(/<caption[^>]*>Columns of x_marts.daily<\/caption>/);
    expect(dictionary).not.toContain("switched_off");
    const latest = dictionary.slice(dictionary.indexOf(`data-dataset="x_marts.latest"`));
    expect(latest.slice(0, latest.indexOf("</dl>"))).toMatch(/data-upstream><a href="#dataset-x_staged-stg_messages"[^>]*>x_staged.stg_messages<\/a>, <a href="#dataset-x_marts-daily"/);
    // A blank line would end the HTML block and let Markdown rewrite the text inside.
    for (const section of dictionary.split("<section").slice(1)) expect(section.slice(0, section.indexOf("</section>"))).not.toMatch(/\n\s*\n/);
    const lineage = pages["lineage.md"]!;
    expect(lineage.match(/<path /g)).toHaveLength(5);
    expect(lineage).toContain(`<li data-lineage="x_marts.latest"><a href="../#dataset-x_marts-latest" `);
    expect(pageText("a {b}")).toBe("a &#123;b&#125;");
  });

  describe("on the project's compiled graph", () => {
    let graph: CompiledGraph;
    beforeAll(async () => {
      graph = await compileProject({ engine: "duckdb" });
    });

    it("lists every enabled model and declaration with all its described columns and its dependencies", () => {
      const datasets = new Map(dictionaryDatasets(graph).map((d) => [d.id, d]));
      const enabled = [...graph.declarations, ...graph.tables.filter((table) => !table.disabled)];
      expect(datasets.size).toBe(enabled.length + graph.operations.filter((o) => o.hasOutput && !o.disabled).length);
      const page = dictionaryPages(graph)["index.md"]!;
      for (const action of enabled) {
        const id = targetName(action.target);
        const dataset = datasets.get(id);
        expect(dataset, id).toBeDefined();
        const section = page.slice(page.indexOf(`data-dataset="${id}"`), page.indexOf("</section>", page.indexOf(`data-dataset="${id}"`)));
        for (const column of action.actionDescriptor?.columns ?? []) expect(section, `${id}.${column.path.join(".")}`).toMatch(new RegExp(`<td[^>]*><code>${column.path.join(".")}</code></td>`));
        const dependencies = "dependencyTargets" in action ? (action.dependencyTargets as Target[] | undefined) : undefined;
        const upstream = (dependencies ?? []).map(targetName).filter((dep) => datasets.has(dep) && dep !== id);
        expect([...dataset!.upstream].sort(), id).toEqual([...new Set(upstream)].sort());
        for (const dep of upstream) expect(datasets.get(dep)!.downstream, dep).toContain(id);
      }
      expect(datasets.get("gp2gp_marts.transfers")!.assertions.length).toBeGreaterThan(0);
    });

    it("is what reports/pages/data-dictionary/ holds (run `npx gp2gp reports dictionary` after changing a model)", () => {
      for (const [file, text] of Object.entries(dictionaryPages(graph))) {
        const committed = path.join(DICTIONARY_DIR, file);
        expect(fs.existsSync(committed), `${committed} is missing: run npx gp2gp reports dictionary`).toBe(true);
        expect(fs.readFileSync(committed, "utf8") === text, `${committed} is stale: run npx gp2gp reports dictionary`).toBe(true);
      }
    });
  });
});
