/**
 * Schemas of the raw tables in the raw dataset. The loader creates and fills them (`gp2gp load …`), the source
 * declarations document them, and the BigQuery conformance test types its catalog from them. In production the
 * same tables are loaded into BigQuery with these schemas (see README, "Production on BigQuery").
 */
import type { SqlType } from "./engine";

export interface RawColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly description: string;
}

export interface RawTable {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly RawColumn[];
}

const provenance: readonly RawColumn[] = [
  { name: "source_file", type: "STRING", description: "Base name of the file the row was read from." },
  { name: "source_row", type: "INT64", description: "1-based data row number in the file (the header is not counted)." },
  { name: "load_id", type: "INT64", description: "The load that wrote the row (load_log.load_id)." },
];

/** The Spine export's text columns (spec §2.1), keyed by raw column name with the export header they come from. */
export const SPINE_COLUMNS: readonly (RawColumn & { readonly header: string; readonly required: boolean })[] = [
  { name: "message_time", header: "_time", required: true, type: "STRING", description: "`_time` as exported: when Spine logged the message, with its zone suffix (+0000, UTC or BST)." },
  { name: "conversation_id", header: "conversationID", required: true, type: "STRING", description: "`conversationID`: the GP2GP conversation shared by every message of one transfer attempt." },
  { name: "guid", header: "GUID", required: true, type: "STRING", description: "`GUID`: this message's unique id; acknowledgements refer to it in message_ref." },
  { name: "interaction_id", header: "interactionID", required: true, type: "STRING", description: "`interactionID`: the message type URN (spec §3)." },
  { name: "message_sender", header: "messageSender", required: true, type: "STRING", description: "`messageSender`: ASID of the sending system, a string with leading zeros." },
  { name: "message_recipient", header: "messageRecipient", required: true, type: "STRING", description: "`messageRecipient`: ASID of the receiving system." },
  { name: "message_ref", header: "messageRef", required: true, type: "STRING", description: "`messageRef`: for acknowledgements the GUID acknowledged, otherwise NotProvided." },
  { name: "jdi_event", header: "jdiEvent", required: true, type: "STRING", description: "`jdiEvent`: for acknowledgements the GP2GP error code, NONE for a positive acknowledgement." },
  { name: "to_system", header: "toSystem", required: false, type: "STRING", description: "`toSystem`: supplier of the recipient system; NULL when the file had no toSystem column." },
  { name: "from_system", header: "fromSystem", required: false, type: "STRING", description: "`fromSystem`: supplier of the sender system; NULL when the file had no fromSystem column." },
];

export const RAW_TABLES: readonly RawTable[] = [
  {
    name: "spine_messages",
    description: "One row per usable row of a daily Spine message export (spec §2.1), kept as text exactly as exported.",
    columns: [...SPINE_COLUMNS, ...provenance],
  },
  {
    name: "spine_messages_rejected",
    description:
      "One row per Spine export row that could not be used, with the reason and the field at fault. Rejected rows never reach the staged layer; load_log counts them.",
    columns: [
      ...SPINE_COLUMNS.map((c) => ({ ...c, description: `${c.description} NULL when the row did not have the field.` })),
      { name: "reason", type: "STRING", description: "Why the row was rejected, naming the field." },
      { name: "field", type: "STRING", description: "The export header of the field at fault, NULL for a row-level fault (wrong field count)." },
      { name: "raw_line", type: "STRING", description: "The row's fields as read, joined with commas (for rows that could not be split into the expected fields)." },
      ...provenance,
    ],
  },
  {
    name: "load_log",
    description: "One row per file load, by any `gp2gp load` command. A file loaded again unchanged is skipped; a changed file with the same name replaces the rows of its earlier load.",
    columns: [
      { name: "load_id", type: "INT64", description: "Increasing id of the load." },
      { name: "source_kind", type: "STRING", description: "spine, ods, asid_lookup or geography." },
      { name: "file_name", type: "STRING", description: "Base name of the file." },
      { name: "file_path", type: "STRING", description: "Path the file was loaded from." },
      { name: "size_bytes", type: "INT64", description: "File size in bytes." },
      { name: "sha256", type: "STRING", description: "SHA-256 of the file's bytes, hex." },
      { name: "row_count", type: "INT64", description: "Data rows read (loaded + rejected)." },
      { name: "loaded_count", type: "INT64", description: "Rows written to the raw table." },
      { name: "rejected_count", type: "INT64", description: "Rows written to the rejected table." },
      { name: "reference_month", type: "DATE", description: "For reference data: the first day of the month the file applies to; NULL for Spine exports and geography." },
      { name: "loaded_at", type: "TIMESTAMP", description: "When the load committed (UTC)." },
      { name: "replaced_by_load_id", type: "INT64", description: "The load that replaced this one (same file name, changed content); NULL while current." },
    ],
  },
  {
    name: "ods_practices",
    description: "One row per practice of a monthly organisationMetadata.json (format v5, spec §2.2), in file order.",
    columns: [
      { name: "reference_month", type: "DATE", description: "First day of the month the metadata applies to (its year and month fields)." },
      { name: "ods_code", type: "STRING", description: "Practice ODS code." },
      { name: "name", type: "STRING", description: "Practice name." },
      { name: "position", type: "INT64", description: "1-based position in the file's practices list." },
      ...provenance,
    ],
  },
  {
    name: "ods_practice_asids",
    description: "One row per ASID listed for a practice in a monthly organisationMetadata.json.",
    columns: [
      { name: "reference_month", type: "DATE", description: "First day of the month the metadata applies to." },
      { name: "ods_code", type: "STRING", description: "Practice ODS code." },
      { name: "asid", type: "STRING", description: "ASID of one of the practice's systems." },
      { name: "position", type: "INT64", description: "1-based position in the file's practices list (of the practice)." },
      ...provenance,
    ],
  },
  {
    name: "ods_sicbl_practices",
    description: "One row per (Sub-ICB location, member practice) of a monthly organisationMetadata.json, with the SICBL's name.",
    columns: [
      { name: "reference_month", type: "DATE", description: "First day of the month the metadata applies to." },
      { name: "sicbl_ods_code", type: "STRING", description: "Sub-ICB location ODS code." },
      { name: "sicbl_name", type: "STRING", description: "Sub-ICB location name." },
      { name: "practice_ods_code", type: "STRING", description: "Member practice ODS code." },
      { name: "position", type: "INT64", description: "1-based position of the SICBL in the file's sicbls list." },
      ...provenance,
    ],
  },
  {
    name: "asid_lookup",
    description: "One row per row of the monthly ASID lookup CSV from the Spine Directory (spec §2.2).",
    columns: [
      { name: "reference_month", type: "DATE", description: "First day of the month the lookup applies to (`--month`)." },
      { name: "asid", type: "STRING", description: "ASID." },
      { name: "nacs", type: "STRING", description: "ODS code of the organisation (NACS)." },
      { name: "org_name", type: "STRING", description: "OrgName." },
      { name: "manufacturer", type: "STRING", description: "MName: the system supplier." },
      { name: "product", type: "STRING", description: "PName: the product." },
      { name: "org_type", type: "STRING", description: "OrgType." },
      { name: "postcode", type: "STRING", description: "PostCode." },
      ...provenance,
    ],
  },
  {
    name: "geography",
    description: "One row per Sub-ICB location with its ICB and NHS England region, from the latest geography lookup loaded.",
    columns: [
      { name: "sicbl_ods_code", type: "STRING", description: "Sub-ICB location ODS code." },
      { name: "sicbl_name", type: "STRING", description: "Sub-ICB location name." },
      { name: "icb_ods_code", type: "STRING", description: "ICB ODS code." },
      { name: "icb_name", type: "STRING", description: "ICB name." },
      { name: "region_ods_code", type: "STRING", description: "NHS England region ODS code." },
      { name: "region_name", type: "STRING", description: "NHS England region name." },
      ...provenance,
    ],
  },
];

export function rawTable(name: string): RawTable {
  const table = RAW_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`Unknown raw table "${name}"`);
  return table;
}

/** Column descriptions keyed by name, the shape Dataform's `columns:` option takes. */
export function columnDocs(name: string): Record<string, string> {
  return Object.fromEntries(rawTable(name).columns.map((c) => [c.name, c.description]));
}
