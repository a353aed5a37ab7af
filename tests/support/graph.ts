/**
 * Test support: small compiled graphs written by hand, so runner behaviour can be tested without the project's
 * models (and without a Dataform compile).
 */
import { compiledGraphSchema, CompiledGraph } from "../../scripts/lib/compile";

const t = (schema: string, name: string) => ({ database: "test-project", schema, name });
export const ref = (schema: string, name: string) => `\`test-project.${schema}.${name}\``;

export interface TableSpec {
  schema?: string;
  name: string;
  type?: "table" | "view" | "incremental";
  query: string;
  incrementalQuery?: string;
  incrementalPreOps?: string[];
  uniqueKey?: string[];
  protected?: boolean;
  dependsOn?: string[];
  tags?: string[];
}

export interface AssertionSpec {
  name: string;
  query: string;
  dependsOn?: string[];
}

/** A compiled graph of tables (schema "work" unless given) and assertions (schema "checks"); deps by "schema.name". */
export function makeGraph(tables: TableSpec[], assertions: AssertionSpec[] = [], tests: { name: string; testQuery: string; expectedOutputQuery: string }[] = []): CompiledGraph {
  const target = (name: string) => {
    const [schema, table] = name.includes(".") ? name.split(".") : ["work", name];
    return t(schema!, table!);
  };
  return compiledGraphSchema.parse({
    projectConfig: { defaultDatabase: "test-project", defaultSchema: "work", assertionSchema: "checks" },
    tables: tables.map((spec) => ({
      type: spec.type ?? "table",
      target: t(spec.schema ?? "work", spec.name),
      query: spec.query,
      incrementalQuery: spec.incrementalQuery,
      incrementalPreOps: spec.incrementalPreOps,
      uniqueKey: spec.uniqueKey,
      protected: spec.protected,
      dependencyTargets: (spec.dependsOn ?? []).map(target),
      tags: spec.tags ?? [],
      fileName: `definitions/${spec.name}.sqlx`,
    })),
    assertions: assertions.map((a) => ({
      target: t("checks", a.name),
      query: a.query,
      dependencyTargets: (a.dependsOn ?? []).map(target),
      fileName: `definitions/${a.name}.sqlx`,
    })),
    tests: tests.map((x) => ({ ...x, fileName: `definitions/${x.name}.sqlx`, target: t("work", x.name) })),
  });
}
