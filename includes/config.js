"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.datasets = exports.vars = exports.KNOWN_VARS = exports.varsSchema = exports.MAX_FIRST_BUILD_BATCHES = exports.UNSIZED_FIRST_BUILD_BATCHES = exports.FIRST_BUILD_BATCH_ROWS = void 0;
exports.firstBuildBatchesFor = firstBuildBatchesFor;
exports.parseVars = parseVars;
exports.datasetsOf = datasetsOf;
/**
 * The project's compile-time variables (`vars:` in workflow_settings.yaml, overridden by `--vars=k=v`), validated
 * with zod. A bad value stops the compile with a message that names the variable.
 */
const zod_1 = require("zod");
const dataset = zod_1.z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/, "must be a dataset name (letters, digits, _)");
const nonNegativeNumber = zod_1.z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a non-negative number")
    .transform(Number);
const positiveInteger = zod_1.z
    .string()
    .trim()
    .regex(/^[1-9]\d*$/, "must be a positive whole number")
    .transform(Number);
/** Spine rows per first-build batch when first_build_batches is "auto": 12 months (80 million rows) in 32 batches, which fit the 2 GB buffer pool (16 did not). */
exports.FIRST_BUILD_BATCH_ROWS = 2500000;
/** first_build_batches "auto" compiled with no warehouse to size from. */
exports.UNSIZED_FIRST_BUILD_BATCHES = 32;
exports.MAX_FIRST_BUILD_BATCHES = 1000;
/** The first_build_batches an "auto" run takes for a warehouse holding `spineRows` Spine rows. */
function firstBuildBatchesFor(spineRows) {
    return Math.min(exports.MAX_FIRST_BUILD_BATCHES, Math.max(1, Math.ceil(spineRows / exports.FIRST_BUILD_BATCH_ROWS)));
}
exports.varsSchema = zod_1.z.object({
    engine: zod_1.z.enum(["bigquery", "duckdb"]),
    raw_dataset: dataset.default("gp2gp_raw"),
    staged_dataset: dataset.default("gp2gp_staged"),
    correlated_dataset: dataset.default("gp2gp_correlated"),
    marts_dataset: dataset.default("gp2gp_marts"),
    cutoff_days: zod_1.z
        .string()
        .default("0,2,14")
        .transform((value, ctx) => {
        // Commas in workflow_settings.yaml; semicolons where the value is passed with --vars (which splits on commas).
        const parts = value.split(/[,;]/).map((p) => p.trim());
        const days = [];
        for (const part of parts) {
            if (!/^\d{1,3}$/.test(part)) {
                ctx.addIssue({ code: "custom", message: `"${part}" is not a whole number of days (0-999); expected e.g. 0,2,14` });
                return zod_1.z.NEVER;
            }
            days.push(Number(part));
        }
        if (new Set(days).size !== days.length) {
            ctx.addIssue({ code: "custom", message: `lists a cutoff twice: ${value}` });
            return zod_1.z.NEVER;
        }
        return days.sort((a, b) => a - b);
    }),
    /** The cutoff whose results feed the published monthly metrics (spec §6.1). Must be one of cutoff_days. */
    metrics_cutoff_days: zod_1.z.string().trim().regex(/^\d{1,3}$/, "must be a whole number of days").transform(Number).default(14),
    /** Publish gate: the latest final month must have at least this many national transfers (spec §6.4). */
    gate_min_national_transfers: positiveInteger.default(150000),
    /** Technical failure alert: a day's rate above this percentage raises an alert. */
    alert_technical_failure_percent: nonNegativeNumber.default(10),
    /** Technical failure alert: a day's rate this many percentage points above its 28-day baseline raises an alert. */
    alert_baseline_margin_points: nonNegativeNumber.default(2),
    /** Impact estimate: staff hours spent on one paper record fallback (print, post, receive, summarise). */
    impact_hours_per_paper_record: nonNegativeNumber.default(2),
    /** Impact estimate: staff cost per hour in pounds. */
    impact_cost_per_hour_gbp: nonNegativeNumber.default(25),
    /**
     * Impact estimate: the baseline period whose technical failure rate later months are compared with. A whole
     * number N = the first N final months with transfers at the metrics cutoff; or an inclusive range
     * "YYYY-MM..YYYY-MM" (its final months).
     */
    impact_baseline_months: zod_1.z
        .string()
        .trim()
        .regex(/^([1-9]\d{0,2}|\d{4}-(0[1-9]|1[0-2])\.\.\d{4}-(0[1-9]|1[0-2]))$/, 'must be a number of months (e.g. 3) or a range "YYYY-MM..YYYY-MM"')
        .refine((v) => !v.includes("..") || v.split("..")[0] <= v.split("..")[1], "the range must not end before it starts")
        .default("3"),
    /**
     * Improvement opportunities: a scope (practice, Sub ICB Location, supplier pathway, error code) counts among its
     * peers for the best-quartile paper fallback rate only with at least this many transfers in the month, so that a
     * practice with three transfers and none late does not set the bar for practices with hundreds.
     */
    opportunity_min_transfers: positiveInteger.default(20),
    /**
     * Publish gate: how many practices with transfers in the latest final month may lack a Sub-ICB location (upstream
     * drops them from the practice figures; real reference data usually has a few). 0: every practice must be mapped.
     */
    gate_max_practices_without_sicbl: zod_1.z.string().trim().regex(/^\d{1,6}$/, "must be a whole number").transform(Number).default(0),
    /** Technical failure alert: days (of a supplier pathway) with fewer transfers than this never raise an alert. */
    alert_min_daily_transfers: positiveInteger.default(100),
    /** Technical failure alert: the baseline is the median daily rate of this many days before the day. */
    alert_baseline_days: positiveInteger.default(28),
    /** Technical failure alert: the baseline needs at least this many earlier days with transfers, else it is NULL. */
    alert_baseline_min_days: positiveInteger.default(7),
    /** Daily run alert (gp2gp daily): a Spine file with more rejected rows than this raises an alert. */
    alert_max_rejected_rows: zod_1.z.string().trim().regex(/^\d{1,9}$/, "must be a whole number").transform(Number).default(0),
    /**
     * Publish gate: "true" runs the assertions tagged gate with the graph (a failing gate fails the run); "false"
     * compiles them disabled, so only `gp2gp export report` and publishing evaluate them (scripts/lib/gate.ts).
     */
    /**
     * DuckDB only: the first build (or full refresh) of the message-numbering classification steps runs in this many
     * batches of conversations (equal ranges of conversation_number), one statement each, so that each fits DuckDB's
     * bounded memory; 1: one statement. "auto" (the default): the runner sizes it from the Spine rows loaded, one batch
     * per FIRST_BUILD_BATCH_ROWS (32 at 12 months of national data, 3 for a month, 1 for a few days); a compile with no
     * warehouse to size from (`gp2gp compile`, `dataform compile`) takes UNSIZED_FIRST_BUILD_BATCHES. BigQuery never
     * batches.
     */
    first_build_batches: zod_1.z
        .string()
        .trim()
        .default("auto")
        .transform((value, ctx) => {
        if (value === "auto")
            return "auto";
        if (!/^[1-9]\d*$/.test(value)) {
            ctx.addIssue({ code: zod_1.z.ZodIssueCode.custom, message: 'must be "auto" or a positive whole number' });
            return zod_1.z.NEVER;
        }
        if (Number(value) > exports.MAX_FIRST_BUILD_BATCHES) {
            ctx.addIssue({ code: zod_1.z.ZodIssueCode.custom, message: `must be at most ${exports.MAX_FIRST_BUILD_BATCHES}` });
            return zod_1.z.NEVER;
        }
        return Number(value);
    }),
    gate_in_run: zod_1.z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
    /**
     * What the built-in checks of the incremental models read (includes/checks.ts): "table" (the default, and what
     * `dataform run` and managed Dataform use) the whole table; "run" only the rows the model's latest run wrote.
     * `gp2gp run` sets it: "run" for an incremental run, "table" for a first build, `--full-refresh` and `--full-checks`.
     */
    assertion_scope: zod_1.z.enum(["table", "run"]).default("table"),
});
/** The names of the project's vars. */
exports.KNOWN_VARS = Object.keys(exports.varsSchema.shape);
/**
 * Validates raw vars (strings) and returns typed values; throws an Error naming each bad variable, or each unknown
 * one with the list of known vars (a misspelt var would otherwise be ignored silently).
 */
function parseVars(raw) {
    const unknown = Object.keys(raw).filter((key) => !exports.KNOWN_VARS.includes(key));
    if (unknown.length > 0) {
        throw new Error(`Unknown project var${unknown.length === 1 ? "" : "s"} ${unknown.map((key) => `"${key}"`).join(", ")} in workflow_settings.yaml or --vars; ` +
            `the known vars are: ${exports.KNOWN_VARS.join(", ")}`);
    }
    const result = exports.varsSchema.safeParse(raw);
    if (!result.success) {
        const problems = result.error.issues.map((issue) => `var "${issue.path.join(".") || "(vars)"}": ${issue.message}`);
        throw new Error(`Invalid project vars in workflow_settings.yaml or --vars:\n  ${problems.join("\n  ")}`);
    }
    const vars = result.data;
    if (!vars.cutoff_days.includes(vars.metrics_cutoff_days)) {
        throw new Error(`Invalid project vars: var "metrics_cutoff_days" (${vars.metrics_cutoff_days}) must be one of cutoff_days (${vars.cutoff_days.join(",")})`);
    }
    return vars;
}
function compileVars() {
    var _a;
    return typeof dataform !== "undefined" && ((_a = dataform === null || dataform === void 0 ? void 0 : dataform.projectConfig) === null || _a === void 0 ? void 0 : _a.vars) ? dataform.projectConfig.vars : { engine: "duckdb" };
}
/** The vars of the current compile (or the defaults with engine duckdb when imported outside Dataform). */
exports.vars = parseVars(compileVars());
/** The dataset (schema) of each layer under `vars`. */
function datasetsOf(vars) {
    return { raw: vars.raw_dataset, staged: vars.staged_dataset, correlated: vars.correlated_dataset, marts: vars.marts_dataset };
}
/** Dataset (schema) of each layer of the current compile. */
exports.datasets = datasetsOf(exports.vars);
