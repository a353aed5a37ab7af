/**
 * The SQL that turns a normalised Spine file (`source_row, fault, raw_line, c1 … cN`, see spine.ts) into rows of
 * raw.spine_messages and, with the reason and the field at fault, raw.spine_messages_rejected. The same rules on
 * both engines: the statements are built from the engine's helpers (includes/engine.ts), so the DuckDB loader
 * (spine.ts, reading the file or its normalised copy) and the BigQuery loader (bigquery.ts, reading a staging table
 * a load job filled) accept and reject exactly the same rows with the same reasons. `_time` is checked with the
 * helper the staged model parses it with, so the two can never disagree.
 */
import type { SqlHelpers } from "../../../includes/engine";
import { SPINE_COLUMNS } from "../../../includes/raw_schemas";
import { ASID_DIGITS, ASID_FORMAT } from "./common";

/** No GP2GP message is older: an earlier time is a broken clock or a placeholder such as 1900-01-01. */
export const EARLIEST_MESSAGE_DAY = "2010-01-01";
const DAY_MS = 86_400_000;
/** A Spine export's name starts with its UTC day. */
export const SPINE_DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})/;

/** What the row checks of one file need to know beyond its header. */
export interface SpineFileContext {
  /** The file's UTC day, 'YYYY-MM-DD'. */
  readonly day: string;
  readonly toleranceDays: number;
}

/** The raw tables the statements write and read, as the engine names them (e.g. `"gp2gp_raw"."spine_messages"`). */
export interface SpineTables {
  readonly spineMessages: string;
  readonly rejected: string;
}

/** A loaded row with the same identity: the row is rejected as a duplicate. */
const DUPLICATE_KEY = ["conversation_id", "guid", "interaction_id", "message_time"] as const;

/** The current Spine loads (load_log rows) other than `loadId`: the candidates for neighbourLoadIds. */
export function currentSpineLoadsQuery(h: SqlHelpers, loadLog: string, loadId: number): string {
  return `select load_id, file_name from ${loadLog} where source_kind = 'spine' and replaced_by_load_id is null and load_id <> ${loadId}`;
}

/**
 * The current Spine loads whose rows could repeat this file's: a row that passes the time checks lies within the
 * tolerance of its file's day, so a row already loaded with the same time comes from a file at most 1 + 2 × tolerance
 * days away. The file's own earlier load, which this load replaces, has had its rows deleted already.
 */
export function neighbourLoadIds(loads: readonly { load_id: number; file_name: string }[], context: SpineFileContext): number[] {
  const reach = (1 + 2 * context.toleranceDays) * DAY_MS;
  const day = Date.parse(`${context.day}T00:00:00Z`);
  return loads
    .filter((load) => {
      const match = SPINE_DAY_PATTERN.exec(load.file_name);
      const other = match ? Date.parse(`${match[0]}T00:00:00Z`) : Number.NaN;
      return Number.isNaN(other) || Math.abs(other - day) <= reach;
    })
    .map((load) => Number(load.load_id));
}

interface SpineCheck {
  readonly header: string;
  /**
   * SQL that is true when the row is unusable, given the column's value (a non-null VARCHAR expression) and, for
   * `_time`, the time it parses to (`parsed_time`, NULL when it does not parse).
   */
  fails(value: string): string;
  /** SQL text of the reason. */
  reason(value: string): string;
}

/** `"value"` for a reason, shortened so that one bad cell cannot flood a message. */
function quotedSql(value: string): string {
  return `'"' || (case when length(${value}) > 80 then left(${value}, 80) || '…' else ${value} end) || '"'`;
}

/** An identifier that must hold something other than whitespace. */
function blankCheck(h: SqlHelpers, header: string): SpineCheck {
  return {
    header,
    // trim with the whitespace characters listed is cheaper than a regular expression on every row.
    fails: (v) => `trim(${v}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = ''`,
    reason: (v) => `case when ${v} = '' then ${h.stringLiteral(`${header} is empty`)} else ${h.stringLiteral(`${header} is only whitespace`)} end`,
  };
}

/** An ASID column: empty or NotProvided when Spine did not log one, otherwise an ASID. */
function asidCheck(h: SqlHelpers, header: string): SpineCheck {
  return {
    header,
    fails: (v) => `not (${v} in ('', 'NotProvided') or ${h.regexpFullMatch(v, ASID_DIGITS)})`,
    reason: (v) => `${h.stringLiteral(`${header} `)} || ${quotedSql(v)} || ${h.stringLiteral(` is not ${ASID_FORMAT}, empty or NotProvided`)}`,
  };
}

/** `timestamp '…'` of an instant given in milliseconds. */
function timestampSql(ms: number): string {
  return `timestamp '${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}'`;
}

function daysText(days: number): string {
  return `${days} day${days === 1 ? "" : "s"}`;
}

/** The row checks of a file in the order they are reported (a row gets the reason of the first one it fails). */
function spineChecks(h: SqlHelpers, context: SpineFileContext): SpineCheck[] {
  const dayStart = Date.parse(`${context.day}T00:00:00Z`);
  const tolerance = context.toleranceDays * DAY_MS;
  const from = timestampSql(dayStart - tolerance);
  const until = timestampSql(dayStart + DAY_MS + tolerance);
  return [
    { header: "_time", fails: (v) => `${v} = ''`, reason: () => h.stringLiteral("_time is empty") },
    {
      header: "_time",
      fails: () => `parsed_time is null`,
      reason: (v) => `'_time ' || ${quotedSql(v)} || ' is not a valid Spine time (e.g. 2019-07-01T09:10:00.334+0000 or 2019-07-01 10:10:00.334 BST)'`,
    },
    {
      header: "_time",
      fails: () => `parsed_time < timestamp '${EARLIEST_MESSAGE_DAY} 00:00:00'`,
      reason: (v) => `'_time ' || ${quotedSql(v)} || ${h.stringLiteral(` is before ${EARLIEST_MESSAGE_DAY}, earlier than any GP2GP message`)}`,
    },
    {
      header: "_time",
      fails: () => `(parsed_time < ${from} or parsed_time >= ${until})`,
      reason: (v) =>
        `'_time ' || ${quotedSql(v)} || ${h.stringLiteral(` is more than ${daysText(context.toleranceDays)} outside the file's day, ${context.day} (the time tolerance)`)}`,
    },
    blankCheck(h, "conversationID"),
    blankCheck(h, "GUID"),
    blankCheck(h, "interactionID"),
    asidCheck(h, "messageSender"),
    asidCheck(h, "messageRecipient"),
    {
      header: "jdiEvent",
      // At most 18 digits, so that every accepted code fits an INT64 downstream.
      fails: (v) => `not (${v} in ('', 'NONE') or ${h.regexpFullMatch(v, "[0-9]{1,18}")})`,
      reason: (v) => `'jdiEvent ' || ${quotedSql(v)} || ' is not NONE, empty or an integer'`,
    },
  ];
}

/**
 * Step 2's statements for the rows of `source` (source_row, fault, raw_line, c1 … cN, a table or a table-valued
 * expression): the rows that pass the checks into the raw table, the others with the reason into the rejected table.
 * `fileName` is the rows' source_file; `neighbours` the loads (neighbourLoadIds) whose rows a row may repeat.
 */
export function spineInserts(
  h: SqlHelpers,
  tables: SpineTables,
  fileName: string,
  header: readonly string[],
  context: SpineFileContext,
  neighbours: readonly number[],
  loadId: number,
): { valid(source: string): string; rejected(source: string): string } {
  const q = h.identifier;
  const text = h.type("STRING");
  const columnOf = (spineHeader: string) => SPINE_COLUMNS.find((c) => c.header === spineHeader)!.name;
  // Empty cells read as NULL; in the export they are empty strings. Absent optional columns stay NULL, and so do
  // the fields of a row that could not be split.
  const fields = SPINE_COLUMNS.map((c) => {
    const index = header.indexOf(c.header);
    const value = index < 0 ? `cast(null as ${text})` : `case when fault is null then coalesce(c${index + 1}, '') end`;
    return `${value} as ${q(c.name)}`;
  });
  const checks = spineChecks(h, context);
  const duplicate = {
    fails: "duplicate_row is not null",
    reason: `'the row repeats row ' || ${h.engine === "duckdb" ? "duplicate_row" : `cast(duplicate_row as ${text})`} || ' of ' || duplicate_file || ', loaded already (same conversationID, GUID, interactionID and _time)'`,
  };
  const whens = (pick: (check: SpineCheck) => string) => checks.map((check) => `when ${check.fails(columnOf(check.header))} then ${pick(check)}`).join(" ");
  const reason = `case when fault is not null then fault ${whens((check) => check.reason(columnOf(check.header)))} when ${duplicate.fails} then ${duplicate.reason} end`;
  const field = `case when fault is not null then null ${whens((check) => h.stringLiteral(check.header))} end`;
  const spineColumns = SPINE_COLUMNS.map((c) => q(c.name)).join(", ");
  const provenance = `${h.stringLiteral(fileName)}, source_row, ${loadId}`;
  // The time is parsed once per row, for every time check.
  const typed = (source: string) =>
    `(select *, ${h.parseSpineTime(q(columnOf("_time")))} as parsed_time from (select source_row, fault, raw_line, ${fields.join(", ")} from ${source}))`;
  const key = DUPLICATE_KEY.map(q).join(", ");
  const firstPerKey = `${key}, source_file as duplicate_file, source_row as duplicate_row
          from ${tables.spineMessages} where load_id in (${neighbours.join(", ")})`;
  // The first loaded row of each identity: DuckDB's DISTINCT ON, BigQuery's QUALIFY (DuckDB has no cheaper form).
  const loaded =
    neighbours.length === 0
      ? undefined
      : h.engine === "duckdb"
        ? `(select distinct on (${key}) ${firstPerKey} order by ${key}, load_id, source_row)`
        : `(select ${firstPerKey} qualify row_number() over (partition by ${key} order by load_id, source_row) = 1)`;
  const mapped = (source: string) =>
    loaded === undefined
      ? `(select *, cast(null as ${text}) as duplicate_file, cast(null as ${h.type("INT64")}) as duplicate_row from ${typed(source)})`
      : `(select n.*, d.duplicate_file, d.duplicate_row from ${typed(source)} as n left join ${loaded} as d
          using (${key}))`;
  // Only the rows missing from the raw table are rejects, so the (costly) checks run again on those alone.
  const missing = (source: string) => `(select * from ${source} as n where not exists (
    select 1 from ${tables.spineMessages} as m where m.load_id = ${loadId} and m.source_row = n.source_row))`;
  return {
    valid: (source) =>
      `insert into ${tables.spineMessages} (${spineColumns}, source_file, source_row, load_id)
       select ${spineColumns}, ${provenance} from ${mapped(source)} where (${reason}) is null`,
    rejected: (source) =>
      `insert into ${tables.rejected} (${spineColumns}, reason, field, raw_line, source_file, source_row, load_id)
       select ${spineColumns}, ${reason}, ${field}, raw_line, ${provenance} from ${mapped(missing(source))}`,
  };
}
