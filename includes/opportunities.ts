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

/** delay_drivers_monthly.driver_kind, in the order of the mart's description. */
export const DRIVER_KINDS = [
  "supplier pathway",
  "large message",
  "error code",
  "request hour",
  "request weekday",
  "sending practice size band",
  "stopped at stage",
] as const;

/** Driver kinds that put every transfer of the month in exactly one value (error code does not: a transfer has 0 or more codes). */
export const PARTITIONING_DRIVER_KINDS: readonly string[] = DRIVER_KINDS.filter((kind) => kind !== "error code");

/**
 * Sending practice size bands, by the practice's transfers (as sender) in the month at the metrics cutoff, lowest
 * first: a practice's size as GP2GP sees it, which needs no list size. Bounds chosen so that the national shape (most
 * practices send between 20 and 200 records a month) splits into small, typical and large senders, with the very
 * small ones (a practice closing or opening) apart.
 */
export const SIZE_BANDS: readonly { label: string; minTransfers: number }[] = [
  { label: "1-19 transfers", minTransfers: 1 },
  { label: "20-49 transfers", minTransfers: 20 },
  { label: "50-99 transfers", minTransfers: 50 },
  { label: "100-199 transfers", minTransfers: 100 },
  { label: "200+ transfers", minTransfers: 200 },
];
/** The band of transfers with no sending practice ODS code. */
export const UNKNOWN_SIZE_BAND = "Unknown sending practice";

/** SQL: the size band of a count of transfers. */
export function sizeBand(count: string): string {
  return `case ${[...SIZE_BANDS].reverse().map((b) => `when ${count} >= ${b.minTransfers} then '${b.label}'`).join(" ")} end`;
}

/** Weekday names by engine dayOfWeek (1 Sunday to 7 Saturday). */
export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** SQL: the weekday name of a timestamp. */
export function weekdayName(ts: string): string {
  return `case ${sql.dayOfWeek(ts)} ${WEEKDAYS.map((day, i) => `when ${i + 1} then '${day}'`).join(" ")} end`;
}
