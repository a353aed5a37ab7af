/**
 * The compiled Dataform graph as runnable actions: dependency order, and selection by name or tag.
 */
import { CompiledGraph, Target, targetName } from "../compile";
import type { Action } from "./types";

/** Every action of the graph (disabled ones left out), keyed by name. */
export function buildActions(graph: CompiledGraph): Action[] {
  const actions: Action[] = [];
  const deps = (targets?: readonly Target[]) => (targets ?? []).map(targetName);
  for (const declaration of graph.declarations) {
    actions.push({ kind: "declaration", name: targetName(declaration.target), target: declaration.target, dependencies: [], tags: [], fileName: declaration.fileName, compiled: declaration });
  }
  for (const table of graph.tables) {
    if (table.disabled) continue;
    actions.push({ kind: table.type, name: targetName(table.target), target: table.target, dependencies: deps(table.dependencyTargets), tags: table.tags ?? [], fileName: table.fileName, compiled: table });
  }
  for (const operation of graph.operations) {
    if (operation.disabled) continue;
    actions.push({ kind: "operation", name: targetName(operation.target), target: operation.target, dependencies: deps(operation.dependencyTargets), tags: operation.tags ?? [], fileName: operation.fileName, compiled: operation });
  }
  for (const assertion of graph.assertions) {
    if (assertion.disabled) continue;
    actions.push({ kind: "assertion", name: targetName(assertion.target), target: assertion.target, dependencies: deps(assertion.dependencyTargets), tags: assertion.tags ?? [], fileName: assertion.fileName, compiled: assertion });
  }
  for (const test of graph.tests) {
    // A test runs the query of the dataset it tests with its inputs replaced, so it needs no other action.
    const target = test.target ?? { schema: "tests", name: test.name };
    actions.push({ kind: "test", name: `test:${test.name}`, target, dependencies: [], tags: ["test"], fileName: test.fileName, compiled: test });
  }
  const names = new Set(actions.map((a) => a.name));
  // A dependency on something outside the graph (not declared) is an error Dataform reports at compile time;
  // anything left here would be a runner bug, so fail loudly rather than run out of order.
  for (const action of actions) {
    for (const dependency of action.dependencies) {
      if (!names.has(dependency)) throw new Error(`${action.name} (${action.fileName}) depends on ${dependency}, which is not in the graph`);
    }
  }
  return actions;
}

/** Actions in an order where each comes after its dependencies (stable: file order among independent actions). */
export function orderActions(actions: readonly Action[]): Action[] {
  const byName = new Map(actions.map((a) => [a.name, a]));
  const state = new Map<string, "visiting" | "done">();
  const ordered: Action[] = [];
  const visit = (action: Action, path: string[]) => {
    const seen = state.get(action.name);
    if (seen === "done") return;
    if (seen === "visiting") throw new Error(`Dependency cycle: ${[...path, action.name].join(" -> ")}`);
    state.set(action.name, "visiting");
    for (const dependency of action.dependencies) {
      const next = byName.get(dependency);
      if (next) visit(next, [...path, action.name]);
    }
    state.set(action.name, "done");
    ordered.push(action);
  };
  for (const action of actions) visit(action, []);
  return ordered;
}

export interface Selection {
  /** Action names ("schema.name" or just "name") to run; empty means all. */
  readonly actions?: readonly string[];
  readonly tags?: readonly string[];
  /** Also run what the selected actions depend on. */
  readonly includeDependencies?: boolean;
  /** Also run what depends on the selected actions. */
  readonly includeDependents?: boolean;
  /** Run SQLX unit tests (type: "test"). Default true when nothing is selected. */
  readonly includeTests?: boolean;
}

/** The actions to run, in dependency order. Unknown names or tags are an error that lists what exists. */
export function selectActions(all: readonly Action[], selection: Selection): Action[] {
  const ordered = orderActions(all);
  const wantsSubset = (selection.actions?.length ?? 0) > 0 || (selection.tags?.length ?? 0) > 0;
  if (!wantsSubset) return ordered.filter((a) => a.kind !== "test" || selection.includeTests !== false);

  const chosen = new Set<string>();
  for (const wanted of selection.actions ?? []) {
    const matches = ordered.filter((a) => a.name === wanted || a.target.name === wanted || (a.kind === "test" && a.name === `test:${wanted}`));
    if (matches.length === 0) {
      throw new Error(`No action named "${wanted}". Actions: ${ordered.filter((a) => a.kind !== "declaration").map((a) => a.name).join(", ")}`);
    }
    matches.forEach((a) => chosen.add(a.name));
  }
  for (const tag of selection.tags ?? []) {
    const matches = ordered.filter((a) => a.tags.includes(tag));
    if (matches.length === 0) {
      const tags = [...new Set(ordered.flatMap((a) => a.tags))].sort();
      throw new Error(`No action has the tag "${tag}". Tags: ${tags.join(", ")}`);
    }
    matches.forEach((a) => chosen.add(a.name));
  }
  const byName = new Map(ordered.map((a) => [a.name, a]));
  if (selection.includeDependencies) {
    const stack = [...chosen];
    while (stack.length) {
      const action = byName.get(stack.pop()!)!;
      for (const dependency of action.dependencies) {
        if (!chosen.has(dependency)) {
          chosen.add(dependency);
          stack.push(dependency);
        }
      }
    }
  }
  if (selection.includeDependents) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const action of ordered) {
        if (!chosen.has(action.name) && action.dependencies.some((d) => chosen.has(d))) {
          chosen.add(action.name);
          grew = true;
        }
      }
    }
  }
  return ordered.filter((a) => chosen.has(a.name));
}
