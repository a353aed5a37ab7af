"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.pythonRound = pythonRound;
exports.percentage = percentage;
exports.rawPercentage = rawPercentage;
/**
 * Metric arithmetic with the upstream calculator's exact semantics (spec §6.2, §6.3): percentages computed in
 * binary floating point as `portion / denominator * 100`, NULL on a zero denominator, and rounded as Python's
 * round() rounds a float: to the nearest, ties to even, judged on the float's exact binary value (so 1/16 → 6.2,
 * 3/2000 → 0.1 but 1/2000 → 0.1 too, because 0.05 as a float is slightly above 0.05).
 *
 * Engine-neutral: only floating-point arithmetic and FLOOR, which BigQuery and DuckDB both do in IEEE doubles.
 */
const engine_1 = require("./engine");
/** Veltkamp's splitting constant 2^27 + 1: splits a double into two halves whose products with small integers are exact. */
const SPLITTER = 134217729;
/**
 * Python's round(x, digits) for a non-negative double expression. Away from a tie the rounded-to-nearest value of
 * x·10^digits is safe; near a tie (within 1e-6) the exact sign of x·2·10^digits − (2·floor + 1) decides, computed
 * error-free (Dekker's product with a Veltkamp split), and an exact tie goes to the even neighbour.
 */
function pythonRound(x, digits) {
    const scale = 10 ** digits;
    const c = 2 * scale;
    const q = `((${x}) * ${scale})`;
    const f = `floor(${q})`;
    const frac = `(${q} - ${f})`;
    const gamma = `((${x}) * ${SPLITTER})`;
    const hi = `(${gamma} - (${gamma} - (${x})))`;
    const lo = `((${x}) - ${hi})`;
    const product = `((${x}) * ${c})`;
    const error = `((${hi} * ${c} - ${product}) + ${lo} * ${c})`;
    const diff = `((${product} - (2 * ${f} + 1)) + ${error})`;
    const isOdd = `(${f} - 2 * floor(${f} / 2) = 1)`;
    return (`(case when ${x} is null then null ` +
        `when abs(${frac} - 0.5) > 0.000001 then (${f} + case when ${frac} > 0.5 then 1 else 0 end) / ${scale} ` +
        `when ${diff} > 0 or (${diff} = 0 and ${isOdd}) then (${f} + 1) / ${scale} ` +
        `else ${f} / ${scale} end)`);
}
/** portion / denominator × 100, rounded to `digits` as upstream; NULL when the denominator is 0 (spec §6.2). */
function percentage(portion, denominator, digits) {
    const value = `(cast(${portion} as ${engine_1.sql.type("FLOAT64")}) / ${denominator}) * 100`;
    return `(case when ${denominator} = 0 then null else ${pythonRound(value, digits)} end)`;
}
/** The unrounded percentage (the operational reports' columns are unrounded, spec §6.5); NULL on a zero denominator. */
function rawPercentage(portion, denominator) {
    return `(case when ${denominator} = 0 then null else (cast(${portion} as ${engine_1.sql.type("FLOAT64")}) / ${denominator}) * 100 end)`;
}
