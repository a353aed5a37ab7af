/**
 * Improvement opportunities (gp2gp_marts.improvement_opportunities): the kinds of scope a month's paper fallbacks
 * are ranked over, who can act on each and the report page each links to. Declared once here; the mart renders it
 * into SQL and tests/sql/opportunities.test.ts checks it.
 *
 * A scope's avoidable paper fallbacks are those it would not have had at the best-quartile rate of its peers (the
 * scopes of the same kind in the same month with at least opportunity_min_transfers transfers): the 25th percentile
 * by nearest rank, so the rate is one peer's own paper_fallbacks / transfers and can be shown exactly.
 */
import { vars } from "./config";
import { sql } from "./engine";

export interface ScopeKind {
  /** improvement_opportunities.scope_kind. */
  kind: string;
  /** improvement_opportunities.who_can_act. */
  whoCanAct: string;
  /** SQL of the report page's path, over the scope_id column given. */
  pagePath: (scopeId: string) => string;
}

export const SCOPE_KINDS: readonly ScopeKind[] = [
  { kind: "supplier pathway", whoCanAct: "system suppliers", pagePath: () => `'/operations/supplier-pathways/'` },
  { kind: "error code", whoCanAct: "system suppliers and service desk", pagePath: () => `'/operations/error-codes/'` },
  { kind: "sending practice", whoCanAct: "sending practice", pagePath: (id) => `'/practices/' || ${id} || '/'` },
  { kind: "requesting practice", whoCanAct: "requesting practice", pagePath: (id) => `'/practices/' || ${id} || '/'` },
  { kind: "Sub ICB Location", whoCanAct: "Sub ICB Location (ICB) digital team", pagePath: (id) => `'/sub-icb-locations/' || ${id} || '/'` },
];

/** The best quartile: the 25th percentile, nearest rank. */
export const BEST_QUARTILE_PERCENTILE = 25;

/** Peers need at least this many transfers in the month (the opportunity_min_transfers var). */
export const minPeerTransfers: number = vars.opportunity_min_transfers;

/** SQL: the nearest-rank position of the best quartile among `population` peers (ceil(n/4)). */
export function bestQuartileRank(population: string): string {
  return sql.intDiv(`(${BEST_QUARTILE_PERCENTILE} * ${population} + 99)`, "100");
}

/** SQL case over scope_kind giving `pick(kind)` for each kind. */
export function byKind(kindColumn: string, pick: (kind: ScopeKind) => string): string {
  return `case ${SCOPE_KINDS.map((k) => `when ${kindColumn} = '${k.kind}' then ${pick(k)}`).join(" ")} end`;
}
