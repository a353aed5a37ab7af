"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.minPeerTransfers = exports.BEST_QUARTILE_PERCENTILE = exports.SCOPE_KINDS = void 0;
exports.bestQuartileRank = bestQuartileRank;
exports.byKind = byKind;
/**
 * Improvement opportunities (gp2gp_marts.improvement_opportunities): the kinds of scope a month's paper fallbacks
 * are ranked over, who can act on each and the report page each links to. Declared once here; the mart renders it
 * into SQL and tests/sql/opportunities.test.ts checks it.
 *
 * A scope's avoidable paper fallbacks are those it would not have had at the best-quartile rate of its peers (the
 * scopes of the same kind in the same month with at least opportunity_min_transfers transfers): the 25th percentile
 * by nearest rank, so the rate is one peer's own paper_fallbacks / transfers and can be shown exactly.
 */
const config_1 = require("./config");
const engine_1 = require("./engine");
exports.SCOPE_KINDS = [
    { kind: "supplier pathway", whoCanAct: "system suppliers", pagePath: () => `'/operations/supplier-pathways/'` },
    { kind: "error code", whoCanAct: "system suppliers and service desk", pagePath: () => `'/operations/error-codes/'` },
    { kind: "sending practice", whoCanAct: "sending practice", pagePath: (id) => `'/practices/' || ${id} || '/'` },
    { kind: "requesting practice", whoCanAct: "requesting practice", pagePath: (id) => `'/practices/' || ${id} || '/'` },
    { kind: "Sub ICB Location", whoCanAct: "Sub ICB Location (ICB) digital team", pagePath: (id) => `'/sub-icb-locations/' || ${id} || '/'` },
];
/** The best quartile: the 25th percentile, nearest rank. */
exports.BEST_QUARTILE_PERCENTILE = 25;
/** Peers need at least this many transfers in the month (the opportunity_min_transfers var). */
exports.minPeerTransfers = config_1.vars.opportunity_min_transfers;
/** SQL: the nearest-rank position of the best quartile among `population` peers (ceil(n/4)). */
function bestQuartileRank(population) {
    return engine_1.sql.intDiv(`(${exports.BEST_QUARTILE_PERCENTILE} * ${population} + 99)`, "100");
}
/** SQL case over scope_kind giving `pick(kind)` for each kind. */
function byKind(kindColumn, pick) {
    return `case ${exports.SCOPE_KINDS.map((k) => `when ${kindColumn} = '${k.kind}' then ${pick(k)}`).join(" ")} end`;
}
