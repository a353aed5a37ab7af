"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.scopedToRun = exports.CONVERSATIONS = void 0;
exports.of = of;
exports.scopedAssertions = scopedAssertions;
exports.conversationsOfLatestRun = conversationsOfLatestRun;
/**
 * The built-in checks of the incremental models (Dataform's uniqueKey, nonNull and rowConditions assertions) and
 * how much of a table they read, by the assertion_scope var:
 *
 *   config { type: "incremental", …, assertions: checks.of({ model: "transfers", schema: …, tags: […], scope: checks.CONVERSATIONS }, { uniqueKey: […], … }) }
 *
 * "table" (the default; `dataform run`, managed Dataform, and `gp2gp run --full-refresh` or `--full-checks`): the
 * config is Dataform's own, and its assertions check the whole table. "run" (`gp2gp run` of an incremental run):
 * the same assertions, under the same names, check only the rows the model's latest run wrote: the conversations it
 * refreshed, or the days or months from the first one it computed again (includes/increments.ts). A plain table is
 * rebuilt by every run, so its checks read what the run wrote either way and stay Dataform's.
 */
const config_1 = require("./config");
const engine_1 = require("./engine");
const increments = __importStar(require("./increments"));
exports.CONVERSATIONS = { conversations: true };
/** Whether the checks of incremental models read only the rows their latest run wrote (the assertion_scope var). */
exports.scopedToRun = config_1.vars.assertion_scope === "run";
/**
 * The `assertions` config of incremental model `checked`: `config` itself when checks read whole tables; otherwise
 * none, and the same assertions declared here, reading only the rows the model's latest run wrote.
 */
function of(checked, config) {
    var _a;
    if (!exports.scopedToRun || typeof assert !== "function")
        return config;
    for (const [name, query] of scopedAssertions(checked, config)) {
        const action = assert(name, { tags: [...checked.tags] }).query(query);
        (_a = action.setParentAction) === null || _a === void 0 ? void 0 : _a.call(action, { database: defaultDatabase(), schema: checked.schema, name: checked.model });
    }
    return {};
}
/**
 * The assertions of `config` as Dataform names and writes them (its uniqueKey and rowConditions queries), each
 * reading the rows of `checked` its latest run wrote instead of the table.
 */
function scopedAssertions(checked, config) {
    var _a, _b, _c, _d;
    const prefix = `${checked.schema}_${checked.model}_assertions`;
    const keys = (_a = config.uniqueKeys) !== null && _a !== void 0 ? _a : (((_b = config.uniqueKey) === null || _b === void 0 ? void 0 : _b.length) ? [config.uniqueKey] : []);
    const conditions = [...((_c = config.rowConditions) !== null && _c !== void 0 ? _c : []), ...((_d = config.nonNull) !== null && _d !== void 0 ? _d : []).map((column) => `${column} IS NOT NULL`)];
    const rows = (ctx) => `(select * from ${ctx.ref(checked.schema, checked.model)} where ${writtenInLatestRun(checked, ctx)})`;
    const assertions = keys.map((key, index) => [
        `${prefix}_uniqueKey_${index}`,
        (ctx) => `\nSELECT\n  *\nFROM (\n  SELECT\n    ${key.join(", ")},\n    COUNT(1) AS index_row_count\n  FROM ${rows(ctx)} AS written\n` +
            `  GROUP BY ${key.join(", ")}\n  ) AS data\nWHERE index_row_count > 1\n`,
    ]);
    if (conditions.length > 0) {
        assertions.push([
            `${prefix}_rowConditions`,
            (ctx) => `\nWITH written AS ${rows(ctx)}\n` +
                conditions.map((c) => `SELECT\n  ${engine_1.sql.stringLiteral(c)} AS failing_row_condition,\n  *\nFROM written\nWHERE NOT (${c})\n`).join("UNION ALL\n"),
        ]);
    }
    return assertions;
}
/**
 * SQL, for cross-table assertions scoped to a run: the condition keeping the rows of the conversations that the latest
 * run of `model` (a step of increments.step) refreshed, on a table carrying conversation_number (`alias` qualifies it).
 */
function conversationsOfLatestRun(ref, model, alias) {
    return increments.step(ref, model).writtenInLatestRun(alias);
}
/**
 * SQL: the condition keeping the rows of `checked` that its latest run wrote. The scope's column belongs to every
 * unique key checked (the conversation, the request day or month), so every copy of a repeated key the run wrote is
 * in scope.
 */
function writtenInLatestRun(checked, ctx) {
    const step = increments.step((name) => ctx.ref(name), checked.model);
    const scope = checked.scope;
    if ("conversations" in scope)
        return step.writtenInLatestRun();
    const first = scope.since === "day" ? step.latestRunFirstChangedDay() : step.latestRunFirstChangedMonth();
    return scope.timestamp ? increments.requestedSince(first, scope.column) : `${scope.column} >= ${first}`;
}
function defaultDatabase() {
    var _a;
    return typeof dataform !== "undefined" ? (_a = dataform === null || dataform === void 0 ? void 0 : dataform.projectConfig) === null || _a === void 0 ? void 0 : _a.defaultDatabase : undefined;
}
