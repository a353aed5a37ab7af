/**
 * The scripts' import graph has no cycle (a cycle makes module start-up order matter and hides layering mistakes),
 * and no command imports another command: shared code lives in scripts/lib/. Every relative import, export-from and
 * require counts, type-only ones included.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS = path.join(ROOT, "scripts");

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** The project files a module imports (relative specifiers resolved to .ts files that exist). */
export function importsOf(file: string, text = fs.readFileSync(file, "utf8")): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*["']([^"']+)["']/g),
    ...code.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1]!);
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => {
      const base = path.resolve(path.dirname(file), specifier);
      return [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) => candidate.endsWith(".ts") && fs.existsSync(candidate));
    })
    .filter((resolved): resolved is string => resolved !== undefined);
}

/** Strongly connected components of more than one module (or a module importing itself): the import cycles. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

describe("the scripts' import graph", () => {
  const files = sourceFiles(SCRIPTS);
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const relative = (file: string) => path.relative(ROOT, file);

  it("finds imports and cycles (checked on a made-up graph)", () => {
    expect(importCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).toEqual([["a", "b", "c"]]);
    expect(importCycles(new Map([["a", ["b"]], ["b", []]]))).toEqual([]);
    const file = path.join(SCRIPTS, "commands", "sql.ts");
    expect(importsOf(file, 'import type { X } from "../lib/duckdb";\nexport { y } from "../lib/lock";').map(relative)).toEqual(["scripts/lib/duckdb.ts", "scripts/lib/lock.ts"]);
  });

  it("has no cycle under scripts/", () => {
    expect(importCycles(graph).map((cycle) => cycle.map(relative).join(" ↔ "))).toEqual([]);
  });

  it("has no command importing another command", () => {
    const commands = path.join(SCRIPTS, "commands") + path.sep;
    const crossings = [...graph].flatMap(([file, imports]) =>
      file.startsWith(commands) ? imports.filter((imported) => imported.startsWith(commands)).map((imported) => `${relative(file)} → ${relative(imported)}`) : [],
    );
    expect(crossings).toEqual([]);
  });
});
